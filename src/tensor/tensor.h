// Tensor: a shape, a dtype and contiguous row-major storage. Storage is either
// owned (64-byte aligned, zero-initialised) or a view that keeps its backing
// alive (e.g. a memory-mapped safetensors file).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace r1 {

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);  // "[2, 40, 384]"
int64_t shape_numel(const Shape& s);

class Tensor {
 public:
  Tensor() = default;
  static Tensor empty(Shape shape, DType dt = DType::F32);  // zero-filled
  static Tensor view(void* data, Shape shape, DType dt, std::shared_ptr<void> keepalive);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_[i < 0 ? shape_.size() + i : i]; }
  int ndim() const { return (int)shape_.size(); }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return (size_t)numel() * dtype_size(dtype_); }
  bool defined() const { return data_ != nullptr || numel() == 0; }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <class T> T* data() { return static_cast<T*>(data_); }
  template <class T> const T* data() const { return static_cast<const T*>(data_); }
  float* f32() { return data<float>(); }
  const float* f32() const { return data<float>(); }

  // Same storage, new shape with equal numel.
  Tensor reshape(Shape s) const;
  // Deep copy converted to f32 (exact for bf16/f16/f8).
  Tensor to_f32() const;
  Tensor clone() const;

 private:
  DType dtype_ = DType::F32;
  Shape shape_;
  std::shared_ptr<void> keep_;
  void* data_ = nullptr;
};

}  // namespace r1
