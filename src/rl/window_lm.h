// WindowLM: the built-in policy, a small fixed-window neural language model
// (Bengio et al. 2003 style): the embeddings of the previous W tokens of the
// same segment are concatenated and fed through 1-2 ReLU layers to the vocab
// logits. Exact hand-written backward, AdamW, batched sampling. It is small
// and fast enough that the whole R1 recipe runs on 2 cores in minutes; it is
// the stand-in for the DeepSeek-V3 model until the adapter to train/ lands.
#pragma once
#include <vector>

#include "rl/policy.h"

namespace r1::rl {

struct WindowLMConfig {
  int vocab = 0;
  int window = 48;  // previous tokens seen
  int d_emb = 16;
  int hidden = 256;
  int layers = 2;   // hidden layers, 1 or 2
};

class WindowLM : public Policy {
 public:
  WindowLM(const WindowLMConfig& c, uint64_t seed);
  static std::unique_ptr<WindowLM> load(const std::string& dir);

  std::string kind() const override { return "window_lm"; }
  int vocab_size() const override { return c_.vocab; }
  int64_t param_count() const override { return (int64_t)w_.size(); }
  void logprobs(const TokenRows& rows, std::vector<std::vector<float>>* logp,
                std::vector<std::vector<float>>* entropy) override;
  void backward(const TokenRows& rows, const std::vector<std::vector<float>>& dlogp,
                std::vector<std::vector<float>>* logp_out = nullptr) override;
  void zero_grad() override;
  float step(const OptimConfig& cfg) override;
  std::unique_ptr<Policy> clone() const override;
  std::vector<std::vector<int>> generate(const std::vector<std::vector<int>>& prompts, const GenConfig& cfg,
                                         Rng& rng) override;
  void save(const std::string& dir) const override;

  const WindowLMConfig& config() const { return c_; }
  std::vector<float>& weights() { return w_; }
  std::vector<float>& grads() { return g_; }

 private:
  struct Acts;  // per-chunk activations
  void forward_chunk(const std::vector<int>& ctx, int n, Acts& a) const;  // ctx: n*window token ids
  void gather_context(const TokenRows& rows, int r, int t, int* out) const;

  WindowLMConfig c_;
  size_t oE_, oW1_, ob1_, oW2_, ob2_, oWo_, obo_;
  std::vector<float> w_, g_, m_, v_;
  int64_t t_ = 0;  // optimizer steps taken
};

}  // namespace r1::rl
