#include "tensor/tensor.h"

#include <cstdlib>
#include <cstring>

#include "base/error.h"

namespace r1 {

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

Tensor Tensor::empty(Shape shape, DType dt) {
  for (auto d : shape) R1_CHECK(d >= 0, "negative dimension in shape ", shape_str(shape));
  Tensor t;
  t.dtype_ = dt;
  t.shape_ = std::move(shape);
  size_t n = t.nbytes();
  size_t alloc = (n + 63) / 64 * 64;
  if (alloc == 0) alloc = 64;
  void* p = std::aligned_alloc(64, alloc);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, alloc);
  t.keep_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  t.data_ = p;
  return t;
}

Tensor Tensor::view(void* data, Shape shape, DType dt, std::shared_ptr<void> keepalive) {
  Tensor t;
  t.dtype_ = dt;
  t.shape_ = std::move(shape);
  t.keep_ = std::move(keepalive);
  t.data_ = data;
  return t;
}

Tensor Tensor::reshape(Shape s) const {
  R1_CHECK(shape_numel(s) == numel(), "cannot reshape ", shape_str(shape_), " to ", shape_str(s));
  Tensor t = *this;
  t.shape_ = std::move(s);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_);
  std::memcpy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::to_f32() const {
  Tensor t = empty(shape_, DType::F32);
  float* o = t.f32();
  int64_t n = numel();
  switch (dtype_) {
    case DType::F32: std::memcpy(o, data_, nbytes()); break;
    case DType::BF16: { auto* s = data<uint16_t>(); for (int64_t i = 0; i < n; ++i) o[i] = bf16_to_f32(s[i]); } break;
    case DType::F16: { auto* s = data<uint16_t>(); for (int64_t i = 0; i < n; ++i) o[i] = f16_to_f32(s[i]); } break;
    case DType::F8_E4M3: { auto* s = data<uint8_t>(); for (int64_t i = 0; i < n; ++i) o[i] = e4m3_to_f32(s[i]); } break;
    case DType::I32: { auto* s = data<int32_t>(); for (int64_t i = 0; i < n; ++i) o[i] = (float)s[i]; } break;
    case DType::I64: { auto* s = data<int64_t>(); for (int64_t i = 0; i < n; ++i) o[i] = (float)s[i]; } break;
    case DType::U8: { auto* s = data<uint8_t>(); for (int64_t i = 0; i < n; ++i) o[i] = (float)s[i]; } break;
  }
  return t;
}

}  // namespace r1
