// Exact rationals for verifiers: answers compare as numbers, never as floats,
// so 0.5, 1/2 and \frac{1}{2} are equal and 0.30000001 is not 0.3.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace r1::rl {

struct Rational {
  int64_t num = 0, den = 1;  // den > 0, gcd(num, den) = 1
  static std::optional<Rational> make(__int128 n, __int128 d);  // nullopt on d == 0 or overflow
  bool operator==(const Rational& o) const { return num == o.num && den == o.den; }
  bool is_int() const { return den == 1; }
  std::string str() const;  // "7", "-3/4"
};

std::optional<Rational> add(Rational a, Rational b);
std::optional<Rational> sub(Rational a, Rational b);
std::optional<Rational> mul(Rational a, Rational b);
std::optional<Rational> div(Rational a, Rational b);

}  // namespace r1::rl
