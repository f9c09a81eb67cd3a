// `r1 info` for dense GQA folders (model_type qwen2 / llama).
#pragma once
#include <string>

namespace r1::cli {
bool is_dense_folder(const std::string& dir);  // config.json model_type is qwen2 or llama
int info_dense(const std::string& dir);       // prints the report; returns the exit code
}  // namespace r1::cli
