// V3Policy: the rl::Policy adapter over train/'s trainable DeepSeek-V3
// (MLA, MoE, optional MTP modules). Packed rows map to one AttnLayout batch
// whose segment ids are the rows' contiguous segment runs (so packed samples
// never attend to each other) with positions restarting per run. Only the
// main next-token head is used for log-probs; MTP modules ride along unchanged.
// Saved folders are HF folders (config.json + model.safetensors) plus
// policy.json {"kind": "v3"}.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "rl/policy.h"
#include "train/model.h"
#include "train/optim.h"

namespace r1::rl {

class V3Policy : public Policy {
 public:
  V3Policy(const train::ModelConfig& cfg, uint64_t seed);
  explicit V3Policy(train::TrainModel m);
  static std::unique_ptr<V3Policy> load(const std::string& dir);

  std::string kind() const override { return "v3"; }
  int vocab_size() const override { return m_.cfg.vocab_size; }
  int64_t param_count() const override { return const_cast<train::TrainModel&>(m_).num_params(); }
  void logprobs(const TokenRows& rows, std::vector<std::vector<float>>* logp,
                std::vector<std::vector<float>>* entropy) override;
  void backward(const TokenRows& rows, const std::vector<std::vector<float>>& dlogp,
                std::vector<std::vector<float>>* logp_out = nullptr) override;
  void zero_grad() override;
  float step(const OptimConfig& cfg) override;
  std::unique_ptr<Policy> clone() const override;
  // Batched sampling by re-running the full forward over all live sequences
  // each step (no KV cache: fine for the tiny recipe models).
  std::vector<std::vector<int>> generate(const std::vector<std::vector<int>>& prompts, const GenConfig& cfg,
                                         Rng& rng) override;
  void save(const std::string& dir) const override;

  train::TrainModel& model() { return m_; }

 private:
  train::TrainModel m_;
  std::optional<train::AdamW> opt_;
};

// A tiny DeepSeek-V3-shaped config (MLA with q LoRA, 1 dense + MoE layers with
// 4 routed experts, top-2, 1 shared expert, sigmoid noaux_tc gate) for vocab V.
train::ModelConfig tiny_v3_config(int vocab, int hidden = 64, int layers = 2, int mtp = 0);

std::unique_ptr<Policy> load_v3_policy(const std::string& dir);

}  // namespace r1::rl
