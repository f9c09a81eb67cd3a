// DeepSeek-V2/V3/R1 causal LM (HF DeepseekV3ForCausalLM):
// h = embed_tokens[tok]; Blocks; logits = lm_head(RMSNorm(h)).
#pragma once
#include <memory>
#include <vector>

#include "formats/model_config.h"
#include "model/block.h"
#include "model/model.h"

namespace r1 {

class Transformer : public Model {
 public:
  // Loads every decoder layer (checking names and shapes) and the MTP layers.
  static std::unique_ptr<Transformer> load(const std::string& dir);
  static std::unique_ptr<Transformer> load(const Checkpoint& ck, const ModelConfig& cfg);

  std::string arch() const override { return cfg_.model_type; }
  int64_t vocab_size() const override { return cfg_.vocab_size; }
  int64_t hidden_size() const override { return cfg_.hidden_size; }
  int64_t num_layers() const override { return cfg_.num_hidden_layers; }
  int64_t cache_width() const override { return cfg_.mla_cache_elems_per_layer(); }
  std::vector<int64_t> eos_token_ids() const override { return cfg_.eos_token_ids; }
  Tensor forward(const std::vector<Chunk>& chunks, KVCache& cache, const ForwardOptions& opt = {}) override;

  const ModelConfig& config() const { return cfg_; }
  const std::vector<Block>& layers() const { return layers_; }
  const std::vector<MtpLayer>& mtp_layers() const { return mtp_; }
  const RopeTable& rope() const { return rope_; }

 private:
  ModelConfig cfg_;
  Checkpoint ck_;
  RopeTable rope_;
  Weight embed_tokens, lm_head;
  Tensor norm;
  std::vector<Block> layers_;
  std::vector<MtpLayer> mtp_;
};

}  // namespace r1
