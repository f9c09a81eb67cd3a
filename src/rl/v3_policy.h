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

namespace r1 {
class Model;  // model/model.h: the inference engine
}

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
  // One taped forward per row group serves both the seeds' log-probs and the backward.
  void backward_from_logprobs(const TokenRows& rows, const SeedFn& seeds,
                              std::vector<std::vector<float>>* entropy = nullptr) override;
  // Next-token CE + mtp_lambda/D * sum of the D MTP losses (V3 eq. 25) over
  // every within-segment token; also nudges the routers' correction biases
  // (aux-loss-free balancing, V3 §2.1.2).
  double backward_lm(const TokenRows& rows) override;
  float mtp_lambda = 0.3f, bias_gamma = 1e-3f;
  void zero_grad() override;
  float step(const OptimConfig& cfg) override;
  std::unique_ptr<Policy> clone() const override;
  // Batched sampling with a latent KV cache: the weights run through the
  // inference engine (model/ Transformer: MLA with the cached c_KV + k_pe,
  // absorbed attention for decode), rebuilt after every optimizer step. All
  // prompts are prefilled (identical prompts once, their cache rows copied),
  // then every live sequence decodes one token per forward call. Tokens are
  // drawn step by step in prompt order from rng, so a seed fixes the output.
  std::vector<std::vector<int>> generate(const std::vector<std::vector<int>>& prompts, const GenConfig& cfg,
                                         Rng& rng) override;
  // The same sampling order by re-running the full training forward over all
  // live sequences each step (no cache): the reference the cached path is tested against.
  std::vector<std::vector<int>> generate_full(const std::vector<std::vector<int>>& prompts, const GenConfig& cfg,
                                              Rng& rng);
  void save(const std::string& dir) const override;

  // Mutable access drops the inference copy (rebuilt on the next generate).
  train::TrainModel& model() {
    infer_.reset();
    return m_;
  }
  // The inference-engine model over the current weights (built on demand).
  r1::Model& infer_model();

 private:
  train::TrainModel m_;
  std::optional<train::AdamW> opt_;
  std::shared_ptr<r1::Model> infer_;
};

// A tiny DeepSeek-V3-shaped config (MLA with q LoRA, 1 dense + MoE layers with
// 4 routed experts, top-2, 1 shared expert, sigmoid noaux_tc gate) for vocab V.
train::ModelConfig tiny_v3_config(int vocab, int hidden = 64, int layers = 2, int mtp = 0);

std::unique_ptr<Policy> load_v3_policy(const std::string& dir);

}  // namespace r1::rl
