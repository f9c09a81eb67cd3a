// Repository-level code ordering (DeepSeek-Coder §2.1): parse each file's
// dependencies inside the repository -- Python import/from-import, C/C++
// #include "...", JavaScript/TypeScript import/export-from/require, C# using
// (resolved through the namespaces files declare), Rust mod/use -- sort the
// files topologically (dependencies first), breaking cycles as DeepSeek-Coder
// does by taking the remaining file with the lowest in-degree, and emit one
// document per repository with a path comment before each file.
#pragma once
#include <string>
#include <vector>

#include "base/json.h"
#include "data/jsonl.h"

namespace r1::data {

struct SourceFile {
  std::string path;  // repository-relative, '/'-separated
  std::string text;
};

// deps[i]: indices of the files file i depends on (sorted, unique, no self).
// unresolved (optional): imports that named no file of the repository.
std::vector<std::vector<int>> parse_dependencies(const std::vector<SourceFile>& files, int64_t* unresolved = nullptr);

// Order of file indices. Weakly connected components are emitted one after
// another (by first file); inside one, repeatedly the unplaced file with the
// fewest unplaced dependencies (0 unless a cycle remains), ties by input index.
// cycle_breaks (optional): files placed while dependencies were still unplaced.
std::vector<int> topo_order(const std::vector<std::vector<int>>& deps, int* cycle_breaks = nullptr);

// "// File: path" style header for the file's language, then the text.
std::string repo_document(const std::vector<SourceFile>& files, const std::vector<int>& order);

struct OrderRun {
  std::vector<std::string> inputs;  // JSONL, one file per line, grouped by repository
  std::string out_dir;
  std::string repo_field = "repo", path_field = "path";
  ReadOptions read;
};
json run_order_code(const OrderRun& run);

}  // namespace r1::data
