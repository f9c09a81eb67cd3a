// Batched generation: many prompts of different lengths share one latent KV
// cache; prompts are prefilled together, then every active sequence decodes
// one token per forward call. A sequence leaves the batch at EOS, a stop
// sequence or its token limit, and a queued prompt takes its slot
// (continuous batching). Used by `r1 generate`, RL rollouts and serving.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "infer/sampler.h"
#include "model/model.h"

namespace r1 {

enum class FinishReason { Eos, StopSequence, Length };
const char* finish_reason_name(FinishReason r);

struct GenRequest {
  std::vector<int32_t> prompt;
  SamplingParams sampling;
  int64_t max_new_tokens = 128;
  bool stop_at_eos = true;                          // model's eos_token_ids (plus extra_eos)
  std::vector<int32_t> extra_eos;
  std::vector<std::vector<int32_t>> stop_sequences;  // token-level; removed from the output
};

struct GenResult {
  std::vector<int32_t> tokens;  // the completion (no EOS, no stop sequence)
  FinishReason finish = FinishReason::Length;
};

struct GenStats {
  int64_t prompt_tokens = 0, generated_tokens = 0;
  int64_t decode_tokens = 0;  // tokens sampled in decode steps (the first token of each sequence comes from prefill)
  double prefill_seconds = 0, decode_seconds = 0;
  int64_t kv_bytes_per_token = 0;
  int64_t peak_batch = 0;
};

class Generator {
 public:
  explicit Generator(Model& model, int max_batch = 32) : model_(model), max_batch_(max_batch) {}
  // on_token(request index, token) is called for every generated token as it
  // is sampled (streaming); the token may later be trimmed as part of a stop sequence.
  std::vector<GenResult> generate(const std::vector<GenRequest>& reqs, GenStats* stats = nullptr,
                                  const std::function<void(size_t, int32_t)>& on_token = {});

 private:
  Model& model_;
  int max_batch_;
};

// Peak resident set size of this process in bytes (VmHWM).
int64_t peak_rss_bytes();

}  // namespace r1
