// Minimal safetensors reader private to the trainer (loads F32/BF16/F16
// tensors as F32 copies). The shared reader is formats/safetensors.h on the
// inference branch; this one only serves checkpoint loading in train/.
#pragma once
#include <map>
#include <string>

#include "tensor/tensor.h"

namespace r1::train {

// name -> F32 tensor (copied). Throws naming the file on any format error.
std::map<std::string, Tensor> read_safetensors_f32(const std::string& path);

}  // namespace r1::train
