// Errors: every user-facing failure is an r1::Error whose message names the
// file/field/value at fault. The CLI prints it on one line and exits non-zero.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace r1 {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// str(a, b, c...) concatenates anything streamable (GCC 12 has no <format>).
template <class... A>
std::string str(const A&... a) {
  std::ostringstream os;
  (os << ... << a);
  return os.str();
}

template <class... A>
[[noreturn]] void fail(const A&... a) {
  throw Error(str(a...));
}

}  // namespace r1

// R1_CHECK(cond, parts...): throw r1::Error(parts...) when cond is false.
#define R1_CHECK(cond, ...)                 \
  do {                                      \
    if (!(cond)) ::r1::fail(__VA_ARGS__);   \
  } while (0)
