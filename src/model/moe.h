// DeepSeekMoE layer: y = sum_k w_k * Expert_{idx_k}(x) + SharedExperts(x).
// Tokens are grouped by expert so each expert runs one GEMM over its rows.
#pragma once
#include <vector>

#include "model/gate.h"
#include "model/mlp.h"

namespace r1 {

struct Moe {
  Gate gate;
  std::vector<Mlp> experts;
  bool has_shared = false;
  Mlp shared_experts;
  static Moe load(const Checkpoint& ck, const std::string& prefix, const ModelConfig& cfg);
  // idx_out/w_out (optional): [T, top_k] routing record.
  void forward(const float* x, int64_t T, float* out, std::vector<int>* idx_out, std::vector<float>* w_out) const;

 private:
  // One token (decode): every selected expert's gate/up in one parallel pass,
  // then every down projection in another.
  void forward_one(const float* x, const int* idx, const float* w, float* out) const;
};

}  // namespace r1
