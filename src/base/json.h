// JSON via nlohmann-json, with loaders whose errors name the file.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace r1 {
using json = nlohmann::json;

json read_json_file(const std::string& path);  // throws r1::Error "<path>: ..."
std::string read_text_file(const std::string& path);
// Atomic write: write to path.tmp, fsync, rename over path.
void write_file_atomic(const std::string& path, const std::string& contents);
}  // namespace r1
