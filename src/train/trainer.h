// The training loop: micro-batches from a token shard in shuffled order,
// gradient accumulation, clipping, AdamW with the LR schedule, aux-loss-free
// bias updates from the step's expert loads, and checkpoints that resume
// bit-identically (same thread count).
//
// Checkpoint layout under out_dir: step-XXXXXXXX/ is an HF folder
// (config.json, model.safetensors) plus optimizer.safetensors (AdamW moments)
// and trainer_state.json (step, data cursor, RNG, options). It is written as
// step-XXXXXXXX.tmp/ and renamed when complete; the symlink `latest` is then
// switched atomically (rename of a new link), so a kill at any point leaves
// `latest` on a complete checkpoint.
#pragma once
#include <string>
#include <vector>

#include "base/rng.h"
#include "data/shards.h"
#include "train/model.h"
#include "train/optim.h"

namespace r1::train {

struct TrainOptions {
  int64_t steps = 100;
  int64_t batch = 8;          // sequences per optimizer step
  int64_t accum = 1;          // micro-batches per step (batch % accum == 0)
  LrSchedule lr;
  AdamWConfig adam;
  float clip = 1.0f;
  LossOptions loss;
  float bias_gamma = 0.001f;  // aux-loss-free balancing speed; 0 turns it off
  uint64_t seed = 0;
  bool bf16 = false;
  int keep_checkpoints = 2;
};

struct StepStats {
  int64_t step = 0;           // optimizer steps done after this one
  double loss = 0, main_ce = 0, aux = 0;
  std::vector<double> mtp_ce;
  float lr = 0;
  double grad_norm = 0;
  int64_t tokens = 0;         // target tokens this step
  double seconds = 0;
  std::vector<RouteStats> routes;  // summed over micro-batches, one per MoE layer
};

class Trainer {
 public:
  Trainer(TrainModel& m, const data::Shard& train, TrainOptions o);
  // One optimizer step. Throws r1::Error (weights untouched) on a NaN/Inf loss or gradient.
  StepStats step();
  int64_t steps_done() const { return opt_.steps(); }
  // Writes out_dir/step-N and points out_dir/latest at it; returns its path.
  std::string save(const std::string& out_dir) const;
  // Restores optimizer, step, cursor and RNG from a checkpoint folder whose
  // model.safetensors the model was loaded from.
  void load_state(const std::string& ckpt_dir);
  // Mean next-token CE over up to max_rows rows of a shard (no MTP, no grad).
  double evaluate(const data::Shard& s, int64_t max_rows);
  const TrainOptions& options() const { return o_; }
  data::Cursor cursor() const { return cur_; }

 private:
  Batch next_batch(int64_t rows);
  TrainModel& m_;
  const data::Shard& data_;
  TrainOptions o_;
  AdamW opt_;
  data::Cursor cur_;
  std::vector<int64_t> order_;
  int64_t order_epoch_ = -1;
  Rng rng_;
};

// Keep freed blocks in the heap instead of returning them to the kernel: every
// step allocates the same activation sizes, and fresh mmap'd pages cost a
// page fault + clear each time (~15% of a small model's step).
void tune_allocator_for_training();

// Path of out_dir/latest resolved, or "" when there is none.
std::string latest_checkpoint(const std::string& out_dir);

}  // namespace r1::train
