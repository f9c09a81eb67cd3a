#include "rl/rational.h"

namespace r1::rl {

static __int128 gcd128(__int128 a, __int128 b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b) {
    __int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

std::optional<Rational> Rational::make(__int128 n, __int128 d) {
  if (d == 0) return std::nullopt;
  if (d < 0) n = -n, d = -d;
  __int128 g = gcd128(n, d);
  if (g > 1) n /= g, d /= g;
  const __int128 lim = INT64_MAX;
  if (n > lim || n < -lim || d > lim) return std::nullopt;
  return Rational{(int64_t)n, (int64_t)d};
}

std::string Rational::str() const { return den == 1 ? std::to_string(num) : std::to_string(num) + "/" + std::to_string(den); }

std::optional<Rational> add(Rational a, Rational b) {
  return Rational::make((__int128)a.num * b.den + (__int128)b.num * a.den, (__int128)a.den * b.den);
}
std::optional<Rational> sub(Rational a, Rational b) {
  return Rational::make((__int128)a.num * b.den - (__int128)b.num * a.den, (__int128)a.den * b.den);
}
std::optional<Rational> mul(Rational a, Rational b) {
  return Rational::make((__int128)a.num * b.num, (__int128)a.den * b.den);
}
std::optional<Rational> div(Rational a, Rational b) {
  return Rational::make((__int128)a.num * b.den, (__int128)a.den * b.num);
}

}  // namespace r1::rl
