// JSON via nlohmann-json, with loaders whose errors name the file.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace r1 {
using json = nlohmann::json;

json read_json_file(const std::string& path);  // throws r1::Error "<path>: ..."
std::string read_text_file(const std::string& path);
// One JSONL line: checks UTF-8, then parses. Errors read "<file>: line N: ...".
json parse_jsonl_line(const std::string& line, const std::string& file, size_t lineno);
// The string member `key` of a parsed JSONL object; errors as above.
std::string jsonl_string(const json& j, const char* key, const std::string& file, size_t lineno);
// Atomic write: write to path.tmp, fsync, rename over path.
void write_file_atomic(const std::string& path, const std::string& contents);
}  // namespace r1
