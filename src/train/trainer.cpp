#include "train/trainer.h"

#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "base/error.h"
#include "base/json.h"
#include "formats/safetensors_write.h"
#include "base/mmap.h"
#include "formats/safetensors.h"

namespace fs = std::filesystem;

namespace r1::train {

Trainer::Trainer(TrainModel& m, const data::Shard& train, TrainOptions o)
    : m_(m), data_(train), o_(o), opt_(m.params(), o.adam), rng_(o.seed) {
  R1_CHECK(o_.batch > 0 && o_.accum > 0 && o_.batch % o_.accum == 0, "train: --batch ", o_.batch,
           " must be a positive multiple of --accum ", o_.accum);
  R1_CHECK(data_.rows() > 0, "train: the dataset has no rows");
  R1_CHECK(data_.row_len() >= 2, "train: rows of ", data_.row_len(), " tokens are too short");
}

Batch Trainer::next_batch(int64_t rows) {
  Batch b;
  b.B = rows;
  b.T = data_.row_len() - 1;
  const int64_t L = data_.row_len();
  b.tokens.resize(rows * L);
  b.seg.resize(rows * L);
  for (int64_t r = 0; r < rows; ++r) {
    if (cur_.index >= data_.rows()) ++cur_.epoch, cur_.index = 0;
    if (order_epoch_ != cur_.epoch) order_ = data::shuffled_order(data_.rows(), o_.seed, cur_.epoch), order_epoch_ = cur_.epoch;
    const int64_t row = order_[cur_.index++];
    std::copy(data_.tokens(row), data_.tokens(row) + L, b.tokens.begin() + r * L);
    std::copy(data_.seg(row), data_.seg(row) + L, b.seg.begin() + r * L);
  }
  for (auto t : b.tokens)
    R1_CHECK(t >= 0 && t < m_.cfg.vocab_size, "train: token id ", t, " in the data is outside the model's vocab ",
             m_.cfg.vocab_size, " (tokenizer and --model-config disagree)");
  return b;
}

StepStats Trainer::step() {
  auto t0 = std::chrono::steady_clock::now();
  ag::set_bf16_gemm(o_.bf16);
  StepStats st;
  const int64_t micro = o_.batch / o_.accum;
  std::map<int, RouteStats> loads;
  double loss = 0, ce = 0, aux = 0;
  std::vector<double> mtp;
  for (int64_t a = 0; a < o_.accum; ++a) {
    Batch b = next_batch(micro);
    ag::Tape tape;
    LossResult r = m_.loss(tape, b, o_.loss);
    const double lv = r.loss->val()[0];
    if (!std::isfinite(lv))
      fail("step ", opt_.steps() + 1, ": loss is ", lv, " (diverged); stopping without updating the weights. "
           "The last good checkpoint is kept (lower --lr or raise --warmup-steps)");
    const float seed = 1.0f / (float)o_.accum;
    tape.backward(r.loss, &seed);
    loss += lv / (double)o_.accum;
    ce += r.main_ce / (double)o_.accum;
    aux += r.aux / (double)o_.accum;
    if (mtp.empty()) mtp.assign(r.mtp_ce.size(), 0.0);
    for (size_t k = 0; k < r.mtp_ce.size(); ++k) mtp[k] += r.mtp_ce[k] / (double)o_.accum;
    st.tokens += r.n_targets;
    for (auto& rs : r.routes) {
      auto& d = loads[rs.index];
      d.index = rs.index;
      if (d.load.empty()) d.load.assign(rs.load.size(), 0);
      for (size_t e = 0; e < rs.load.size(); ++e) d.load[e] += rs.load[e];
    }
  }
  st.grad_norm = grad_norm(opt_.params());
  if (!std::isfinite(st.grad_norm))
    fail("step ", opt_.steps() + 1, ": gradient norm is ", st.grad_norm,
         "; stopping without updating the weights. The last good checkpoint is kept");
  st.lr = o_.lr.at(opt_.steps());
  // clipping folded into the update; the same pass zeroes the gradients
  opt_.step(st.lr, clip_scale(st.grad_norm, o_.clip), true);
  for (auto& [i, rs] : loads) st.routes.push_back(rs);
  m_.update_bias(st.routes, o_.bias_gamma);
  st.step = opt_.steps();
  st.loss = loss;
  st.main_ce = ce;
  st.aux = aux;
  st.mtp_ce = mtp;
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

double Trainer::evaluate(const data::Shard& s, int64_t max_rows) {
  const int64_t rows = std::min(max_rows, s.rows()), L = s.row_len(), chunk = 8;
  double tot = 0;
  int64_t cnt = 0;
  LossOptions lo;
  lo.mtp = false;
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    Batch b;
    b.B = std::min(chunk, rows - r0);
    b.T = L - 1;
    for (int64_t r = r0; r < r0 + b.B; ++r) {
      b.tokens.insert(b.tokens.end(), s.tokens(r), s.tokens(r) + L);
      b.seg.insert(b.seg.end(), s.seg(r), s.seg(r) + L);
    }
    ag::Tape t;
    t.enabled = false;
    LossResult res = m_.loss(t, b, lo);
    tot += res.main_ce * (double)res.n_targets;
    cnt += res.n_targets;
  }
  return cnt ? tot / (double)cnt : 0.0;
}

static std::string step_name(int64_t s) {
  char b[32];
  snprintf(b, sizeof b, "step-%08lld", (long long)s);
  return b;
}

std::string Trainer::save(const std::string& out_dir) const {
  fs::create_directories(out_dir);
  const std::string name = step_name(opt_.steps());
  const std::string fin = out_dir + "/" + name, tmp = fin + ".tmp";
  fs::remove_all(tmp);
  m_.save(tmp);
  // Test hook: simulate a kill in the middle of writing a checkpoint.
  if (const char* c = std::getenv("R1_TEST_CRASH_DURING_SAVE"); c && std::atoll(c) == opt_.steps()) _exit(3);
  std::vector<SafetensorsEntry> es;
  for (auto& [n, t] : opt_.state()) es.push_back({n, t});
  write_safetensors(tmp + "/optimizer.safetensors", std::move(es));
  auto rs = rng_.state();
  json st = {{"step", opt_.steps()},
             {"cursor", {{"epoch", cur_.epoch}, {"index", cur_.index}}},
             {"rng", {std::to_string(rs[0]), std::to_string(rs[1]), std::to_string(rs[2]), std::to_string(rs[3])}},
             {"seed", o_.seed},
             {"batch", o_.batch},
             {"accum", o_.accum},
             {"data_rows", data_.rows()},
             {"row_len", data_.row_len()}};
  write_file_atomic(tmp + "/trainer_state.json", st.dump(2) + "\n");
  fs::remove_all(fin);
  fs::rename(tmp, fin);
  const std::string link = out_dir + "/latest", ltmp = out_dir + "/latest.tmp";
  fs::remove(ltmp);
  fs::create_symlink(name, ltmp);
  fs::rename(ltmp, link);  // atomic switch
  // keep the newest keep_checkpoints step folders
  std::vector<std::string> steps;
  for (auto& e : fs::directory_iterator(out_dir)) {
    std::string n = e.path().filename().string();
    if (n.rfind("step-", 0) == 0 && n.find(".tmp") == std::string::npos) steps.push_back(n);
  }
  std::sort(steps.begin(), steps.end());
  for (size_t i = 0; i + (size_t)std::max(1, o_.keep_checkpoints) < steps.size(); ++i)
    if (steps[i] != name) fs::remove_all(out_dir + "/" + steps[i]);
  return fin;
}

void Trainer::load_state(const std::string& dir) {
  const std::string sp = dir + "/trainer_state.json";
  json st = read_json_file(sp);
  try {
    R1_CHECK(st.at("batch").get<int64_t>() == o_.batch && st.at("accum").get<int64_t>() == o_.accum, sp,
             ": checkpoint was made with --batch ", st.at("batch"), " --accum ", st.at("accum"),
             "; resume with the same values");
    R1_CHECK(st.at("data_rows").get<int64_t>() == data_.rows() && st.at("row_len").get<int64_t>() == data_.row_len(),
             sp, ": the training data changed since the checkpoint");
    R1_CHECK(st.at("seed").get<uint64_t>() == o_.seed, sp, ": checkpoint seed ", st.at("seed"), " != --seed ", o_.seed);
    cur_.epoch = st.at("cursor").at("epoch");
    cur_.index = st.at("cursor").at("index");
    std::array<uint64_t, 4> rs;
    for (int i = 0; i < 4; ++i) rs[i] = std::stoull(st.at("rng")[i].get<std::string>());
    rng_.set_state(rs);
    const std::string op = dir + "/optimizer.safetensors";
    MappedFile f(op);
    std::map<std::string, Tensor> ts;
    for (auto& ti : parse_safetensors(f.data(), f.size(), op)) {
      R1_CHECK(ti.dtype == DType::F32, op, ": ", ti.name, " is not F32");
      Tensor t = Tensor::empty(ti.shape);
      std::memcpy(t.raw(), f.data() + ti.offset, ti.nbytes);
      ts[ti.name] = t;
    }
    opt_.load_state(ts, st.at("step").get<int64_t>(), op);
  } catch (const json::exception& e) {
    fail(sp, ": bad trainer state: ", e.what());
  }
  order_epoch_ = -1;
}

void tune_allocator_for_training() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

std::string latest_checkpoint(const std::string& out_dir) {
  const fs::path l = fs::path(out_dir) / "latest";
  std::error_code ec;
  if (!fs::exists(l, ec)) return "";
  return fs::canonical(l).string();
}

}  // namespace r1::train
