// Trainable DeepSeek-V3: MLA attention, dense/MoE FFNs (sigmoid or softmax
// gate, groups, e_score_correction_bias as a buffer, shared experts) and D
// sequential MTP modules sharing the embedding and output head. Parameters are
// autograd Vars under their Hugging Face names; load()/save() use HF folders
// (config.json + model.safetensors, MTP module k stored as
// model.layers.{num_hidden_layers+k-1} with enorm/hnorm/eh_proj/shared_head.*).
#pragma once
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "train/config.h"

namespace r1::train {

using ag::Tape;
using ag::Var;

struct Mlp {
  Var gate, up, down;  // [F, C], [F, C], [C, F]
};
struct Attn {
  Var q_a, q_a_norm, q_b, q;       // q LoRA (q_a [ql, C], q_b [H(dn+r), ql]) or q [H(dn+r), C]
  Var kv_a, kv_a_norm, kv_b, o;    // [c+r, C], [c], [H(dn+dv), c], [C, H dv]
};
struct Moe {
  Var gate;                 // [E, C]
  Tensor bias;              // [E] e_score_correction_bias: a buffer, no gradient
  std::vector<Mlp> experts;
  bool has_shared = false;
  Mlp shared;
};
struct Layer {
  Var in_norm, post_norm;
  Attn attn;
  bool is_moe = false;
  Mlp mlp;
  Moe moe;
};
struct MtpModule {
  Var enorm, hnorm, eh_proj, head_norm;  // eh_proj [C, 2C] on [enorm(emb); hnorm(h)]; head_norm = shared_head.norm
  Layer layer;
};

struct NamedParam {
  std::string name;
  Var v;
  bool decay;  // weight decay applies to matrices only
};

// Options for one training forward.
struct LossOptions {
  bool mtp = true;            // add MTP losses (when the model has modules)
  float mtp_lambda = 0.3f;    // L = CE + lambda/D sum_k CE_k
  float seq_aux_alpha = 0.0f; // V3 sequence-wise balance loss
  float v2_aux_alpha = 0.0f;  // V2 expert-level balance loss (over the batch)
};

// A packed batch: B rows of L = T+1 tokens. Inputs are tokens[:, :T], main
// targets tokens[:, 1:]; seg ids (contiguous runs) keep packed documents from
// attending to / predicting each other; pos restarts at 0 in every segment.
struct Batch {
  int64_t B = 0, T = 0;
  std::vector<int32_t> tokens;  // [B, T+1]
  std::vector<int32_t> seg;     // [B, T+1]; empty = one document per row
  std::vector<int32_t> pos;     // [B, T+1]; empty = derived from seg
  void finalize();              // fills seg/pos defaults, validates sizes
};

struct RouteStats {
  int index = -1;                // decoder layer index (MTP module k: num_hidden_layers + k - 1)
  std::vector<int64_t> load;     // tokens per expert [E]
  double maxvio() const;         // max load / mean load - 1
};

struct LossResult {
  Var loss;                      // scalar objective (CE + MTP + balance)
  double main_ce = 0;            // next-token CE (nats/token)
  std::vector<double> mtp_ce;    // per module
  double aux = 0;                // balance losses total
  int64_t n_targets = 0;
  std::vector<RouteStats> routes;
};

class TrainModel {
 public:
  ModelConfig cfg;
  Var embed, final_norm, lm_head;
  std::vector<Layer> layers;
  std::vector<MtpModule> mtp;

  static TrainModel init(const ModelConfig& cfg, uint64_t seed);
  static TrainModel load(const std::string& dir);   // HF folder
  void save(const std::string& dir) const;          // config.json + model.safetensors (atomic files)

  std::vector<NamedParam> params();
  std::vector<std::pair<std::string, Tensor*>> buffers();  // correction biases
  int64_t num_params() ;

  // Main model: ids [B*T], lay (B, T, seg), pos [B*T] -> final hidden h [N, C]
  // (before the final norm); per MoE layer routing stats appended to stats.
  Var hidden(Tape& t, const std::vector<int32_t>& ids, const ag::AttnLayout& lay, const std::vector<int32_t>& pos,
             std::vector<RouteStats>* stats, const LossOptions* lo = nullptr, std::vector<Var>* aux = nullptr);
  // lm_head(final_norm(h)) -> [N, V]
  Var logits(Tape& t, const Var& h);
  // Convenience for SFT/RL/eval: logits at every position [B*T, V].
  Var forward_logits(Tape& t, const std::vector<int32_t>& ids, const ag::AttnLayout& lay,
                     const std::vector<int32_t>& pos);
  // Full objective on a packed batch (records backward on t).
  LossResult loss(Tape& t, const Batch& b, const LossOptions& lo);
  // Aux-loss-free balancing: b_i -= gamma if expert i got more than the mean load, += gamma if less.
  void update_bias(const std::vector<RouteStats>& stats, float gamma);

 private:
  Var block(Tape& t, Layer& L, int idx, const Var& x, const ag::AttnLayout& lay, const std::vector<int32_t>& pos,
            std::vector<RouteStats>* stats, const LossOptions* lo, std::vector<Var>* aux);
  std::vector<float> inv_freq_;
};

// Greedy/temperature sampling by re-running the full forward (tiny models only).
std::vector<int32_t> sample_tokens(TrainModel& m, std::vector<int32_t> prompt, int n_new, float temperature,
                                   uint64_t seed);

}  // namespace r1::train
