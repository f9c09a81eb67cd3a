#include "formats/config_keys.h"

#include <cmath>

#include "base/error.h"

namespace r1 {

const json* ConfigKeys::find(const char* key) const {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

int64_t ConfigKeys::integer(const char* key, int64_t def, bool required, int64_t lo, int64_t hi) const {
  const json* v = find(key);
  if (!v) {
    R1_CHECK(!required, path, ": missing key '", prefix, key, "'");
    return def;
  }
  // 4096.0 is accepted as 4096: some exporters write integers as floats.
  R1_CHECK(v->is_number_integer() || (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>()),
           path, ": key '", prefix, key, "' must be an integer, got ", v->dump());
  double d = v->get<double>();
  R1_CHECK(d >= (double)lo && d <= (double)hi, path, ": key '", prefix, key, "' = ", v->dump(),
           " is out of range [", lo, ", ", hi, "]");
  return v->is_number_integer() ? v->get<int64_t>() : (int64_t)d;
}

double ConfigKeys::number(const char* key, double def, bool required, double lo, double hi) const {
  const json* v = find(key);
  if (!v) {
    R1_CHECK(!required, path, ": missing key '", prefix, key, "'");
    return def;
  }
  R1_CHECK(v->is_number(), path, ": key '", prefix, key, "' must be a number, got ", v->dump());
  double d = v->get<double>();
  R1_CHECK(std::isfinite(d) && d >= lo && d <= hi, path, ": key '", prefix, key, "' = ", v->dump(),
           " is out of range [", lo, ", ", hi, "]");
  return d;
}

bool ConfigKeys::boolean(const char* key, bool def) const {
  const json* v = find(key);
  if (!v) return def;
  R1_CHECK(v->is_boolean(), path, ": key '", prefix, key, "' must be true or false, got ", v->dump());
  return v->get<bool>();
}

std::string ConfigKeys::string(const char* key, const char* def) const {
  const json* v = find(key);
  if (!v) return def;
  R1_CHECK(v->is_string(), path, ": key '", prefix, key, "' must be a string, got ", v->dump());
  return v->get<std::string>();
}

}  // namespace r1
