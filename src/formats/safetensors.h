// safetensors files and Hugging Face checkpoint folders.
// File layout: u64 LE header length N, N bytes of JSON {name: {dtype, shape,
// data_offsets: [begin, end)}, "__metadata__": {...}}, then the data section;
// offsets are relative to the start of the data section.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/mmap.h"
#include "tensor/tensor.h"

namespace r1 {

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  Shape shape;
  size_t offset = 0;  // absolute byte offset in the file
  size_t nbytes = 0;
  int shard = 0;      // index into Checkpoint's shard list
};

// Parses and validates a whole safetensors image (header + data section):
// header length inside the file, valid JSON, known dtypes, non-negative shapes,
// byte ranges inside the data section, sized numel*dtype_size, not overlapping.
// `path` only names the file in error messages. Sorted by name.
std::vector<TensorInfo> parse_safetensors(const uint8_t* data, size_t size, const std::string& path);

// A checkpoint folder: model.safetensors, or shards listed by
// model.safetensors.index.json ("weight_map": {tensor: shard file}). Files are
// memory-mapped; tensors are zero-copy views where the dtype allows.
class Checkpoint {
 public:
  static Checkpoint open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  bool has(const std::string& name) const { return index_.count(name) != 0; }
  const TensorInfo& info(const std::string& name) const;  // throws naming the tensor
  std::vector<std::string> names() const;
  const std::string& file_of(const std::string& name) const;

  // The stored tensor (any dtype), a view into the mapping. Checks the shape
  // when `shape` is non-empty.
  Tensor raw(const std::string& name, const Shape& shape = {}) const;
  // Exact float32 copy: F32/BF16/F16 widened; F8_E4M3 dequantized with its
  // `<name>_scale_inv` block grid (w = e4m3(code) * scale_inv[i/B][j/B]).
  Tensor f32(const std::string& name, const Shape& shape) const;
  // A matrix for the GEMM kernels: F32 or BF16 views stay zero-copy; F16 and
  // FP8 become exact float32 copies.
  Tensor weight(const std::string& name, const Shape& shape) const;

  // Drops the mapped pages from this process's resident set (they stay in the
  // page cache and fault back in on access); for after weights were copied.
  void drop_resident() const;
  void drop_resident(const std::string& name) const;  // just this tensor's whole pages

  int fp8_block = 128;  // weight_block_size from quantization_config

 private:
  std::string dir_;
  std::vector<std::shared_ptr<MappedFile>> shards_;
  std::map<std::string, TensorInfo> index_;
};

// Dequantizes an F8_E4M3 [rows, cols] matrix with an F32 scale grid
// [ceil(rows/block), ceil(cols/block)] (row-major) into out (f32, row-major).
void dequant_fp8_block(const uint8_t* codes, const float* scale_inv, int64_t rows, int64_t cols,
                       int block, float* out);

}  // namespace r1
