// The model interface shared by every architecture (DeepSeek-V2/V3 here; dense
// GQA models plug in the same way). One forward call runs a chunk of new
// tokens for each of several sequences (cache slots) at once: a prompt
// prefill is a long chunk, a decode step is one token per sequence. The new
// tokens go at positions cache.length(slot) ... and are appended to the cache.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/kv_cache.h"
#include "tensor/tensor.h"

namespace r1 {

struct Chunk {
  int slot = 0;
  const int32_t* tokens = nullptr;
  int64_t n = 0;
};

// Naive: per-head K/V up-projected from the cached latent (good for long
// chunks). Absorb: W_UK folded into the query and W_UV into the output, so
// attention runs in the latent space (decode). Auto: absorb for 1-token chunks.
enum class AttnImpl { Auto, Naive, Absorb };

// Optional record of internals, rows in forward order (chunks concatenated).
struct ForwardTrace {
  bool hidden = false;                         // record the residual stream
  std::vector<std::vector<float>> residual;    // [n_layers + 1][T * hidden]
  std::vector<std::vector<int>> expert_idx;    // per MoE layer: [T * top_k]
  std::vector<std::vector<float>> expert_w;    // per MoE layer: [T * top_k]
};

struct ForwardOptions {
  bool all_logits = true;  // false: logits only for each chunk's last token
  AttnImpl attn = AttnImpl::Auto;
  ForwardTrace* trace = nullptr;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string arch() const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t hidden_size() const = 0;
  virtual int64_t num_layers() const = 0;
  virtual int64_t cache_width() const = 0;  // floats per token per layer
  virtual std::vector<int64_t> eos_token_ids() const = 0;
  // Logits: [sum of n, vocab] if all_logits, else [chunks, vocab]. Throws
  // r1::Error on token ids outside the vocabulary.
  virtual Tensor forward(const std::vector<Chunk>& chunks, KVCache& cache, const ForwardOptions& opt = {}) = 0;

  KVCache make_cache(int n_slots) const { return KVCache(num_layers(), cache_width(), n_slots); }
  // One sequence from position 0 with a fresh cache: logits [S, vocab].
  Tensor prefill(const std::vector<int32_t>& tokens, const ForwardOptions& opt = {});
  // One token for each listed slot: logits [slots, vocab].
  Tensor decode_step(const std::vector<int>& slots, const std::vector<int32_t>& last_tokens, KVCache& cache,
                     const ForwardOptions& opt = {});
};

// Opens a Hugging Face folder (config.json + safetensors) and builds the model
// its model_type names.
std::unique_ptr<Model> load_model(const std::string& dir);

}  // namespace r1
