// Typed, range-checked reads of HF config.json keys. Every error names the
// file and the full key ("rope_scaling.factor"), so a bad config says exactly
// what to fix. Absent and null keys are the same (HF writes both).
#pragma once
#include <cstdint>
#include <string>

#include "base/json.h"

namespace r1 {

struct ConfigKeys {
  const json& j;
  const std::string& path;
  std::string prefix;  // "rope_scaling." when reading a sub-object

  const json* find(const char* key) const;
  int64_t integer(const char* key, int64_t def, bool required, int64_t lo, int64_t hi) const;
  double number(const char* key, double def, bool required, double lo, double hi) const;
  bool boolean(const char* key, bool def) const;
  std::string string(const char* key, const char* def) const;
};

}  // namespace r1
