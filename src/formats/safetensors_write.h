// safetensors writer: 8-byte little-endian header length, JSON header
// (tensors in sorted-name order, "__metadata__" first, padded with spaces to
// an 8-byte boundary), then the raw data. The file appears atomically
// (path.tmp, fsync, rename), so a crash never leaves a half-written file.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace r1 {

struct SafetensorsEntry {
  std::string name;
  Tensor t;  // contiguous; its dtype is written as is
};

void write_safetensors(const std::string& path, std::vector<SafetensorsEntry> entries,
                       const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace r1
