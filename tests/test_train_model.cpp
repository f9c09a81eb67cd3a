// Trainer-level tests: config validation, HF save/load (MTP storage), AdamW,
// schedules, packing, FIM, shards, exact resume, balancing and NaN handling.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <unistd.h>

#include "base/error.h"
#include "base/utf8.h"
#include "data/fim.h"
#include "data/packing.h"
#include "data/shards.h"
#include "formats/safetensors_write.h"
#include "train/corpus.h"
#include "train/optim.h"
#include "train/textcheck.h"
#include "formats/safetensors.h"
#include "train/trainer.h"
#include "train_test_util.h"

using namespace r1;
using namespace r1::train;
namespace fs = std::filesystem;

static std::string tmpdir(const std::string& name) {
  std::string d = (fs::temp_directory_path() / ("r1_train_test_" + name + "_" + std::to_string(::getpid()))).string();
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

static void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TrainConfig, ContradictionsAreErrors) {
  auto j = testutil::tiny_v3_json();
  j["num_experts_per_tok"] = 5;
  expect_error([&] { ModelConfig::from_json(j, "cfg.json"); }, "num_experts_per_tok 5 > n_routed_experts 4");
  j = testutil::tiny_v3_json();
  j["qk_rope_head_dim"] = 5;
  expect_error([&] { ModelConfig::from_json(j, "cfg.json"); }, "qk_rope_head_dim 5 must be even");
  j = testutil::tiny_v3_json();
  j["n_group"] = 3;
  expect_error([&] { ModelConfig::from_json(j, "cfg.json"); }, "not divisible by n_group");
  j = testutil::tiny_v3_json();
  j.erase("hidden_size");
  expect_error([&] { ModelConfig::from_json(j, "cfg.json"); }, "cfg.json: missing key \"hidden_size\"");
}

TEST(TrainConfig, YarnTableMatchesGoldenClosedForm) {
  auto o = read_json_file(std::string(R1_SOURCE_DIR) + "/tests/data/goldens/v3_tiny/outputs.json");
  auto c = ModelConfig::load(std::string(R1_SOURCE_DIR) + "/tests/data/goldens/v3_tiny/config.json");
  auto f = c.rope_inv_freq();
  auto ref = o["rope"]["closed_form_float64"]["inv_freq"];
  ASSERT_EQ(ref.size(), f.size());
  for (size_t i = 0; i < f.size(); ++i) EXPECT_NEAR(f[i], ref[i].get<double>(), 1e-7 * std::max(1.0, ref[i].get<double>()));
  EXPECT_NEAR(c.softmax_scale(), o["rope"]["from_model_py"]["softmax_scale"].get<double>(), 1e-6);
}

TEST(TrainModel, SaveLoadRoundTripWithMtpStorage) {
  auto d = tmpdir("saveload");
  TrainModel m = TrainModel::init(ModelConfig::from_json(testutil::tiny_v3_json(1), "tiny"), 3);
  m.buffers()[0].second->f32()[1] = 0.25f;
  m.save(d);
  auto ck = Checkpoint::open(d);
  std::map<std::string, Shape> ts;
  for (auto& n : ck.names()) ts[n] = ck.info(n).shape;
  // MTP module 1 is decoder layer 2 (num_hidden_layers + 0) with V3's extra tensors
  for (const char* n : {"model.layers.2.enorm.weight", "model.layers.2.hnorm.weight", "model.layers.2.eh_proj.weight",
                        "model.layers.2.shared_head.norm.weight", "model.layers.2.shared_head.head.weight",
                        "model.layers.2.embed_tokens.weight", "model.layers.2.mlp.gate.e_score_correction_bias",
                        "model.layers.1.self_attn.q_a_proj.weight", "lm_head.weight"})
    EXPECT_TRUE(ts.count(n)) << n;
  EXPECT_EQ(ts["model.layers.2.eh_proj.weight"], (Shape{16, 32}));
  auto cj = read_json_file(d + "/config.json");
  EXPECT_EQ(cj["num_nextn_predict_layers"], 1);
  TrainModel m2 = TrainModel::load(d);
  EXPECT_EQ(m2.buffers()[0].second->f32()[1], 0.25f);
  Batch b = testutil::tiny_batch(2, 6, 1);
  LossOptions lo;
  ag::Tape t1, t2;
  t1.enabled = t2.enabled = false;
  auto r1 = m.loss(t1, b, lo), r2 = m2.loss(t2, b, lo);
  EXPECT_EQ(r1.loss->val()[0], r2.loss->val()[0]);
  EXPECT_EQ(r1.mtp_ce.size(), 1u);
  fs::remove_all(d);
}

TEST(TrainOptim, AdamWOneStepByHand) {
  Var w = ag::zeros({2, 2}, true), n = ag::zeros({2}, true);
  for (int i = 0; i < 4; ++i) w->val()[i] = 1.0f, w->grad()[i] = 0.5f;
  n->val()[0] = n->val()[1] = 1.0f;
  n->grad()[0] = -2.0f;
  AdamW opt({{"w", w, true}, {"n", n, false}}, AdamWConfig{});
  opt.step(0.1f);
  // step 1: m^ = g, v^ = g^2 -> update = g/|g| = sign(g); decay 0.1 on the matrix only
  EXPECT_NEAR(w->val()[0], 1.0f - 0.1f * (1.0f + 0.1f * 1.0f), 1e-6);
  EXPECT_NEAR(n->val()[0], 1.0f + 0.1f, 1e-6);
  EXPECT_NEAR(n->val()[1], 1.0f, 1e-6);  // zero gradient, no decay
  // clipping
  for (int i = 0; i < 4; ++i) w->grad()[i] = 3.0f;
  n->zero_grad();
  double norm = clip_grad_norm(opt.params(), 1.0);
  EXPECT_NEAR(norm, 6.0, 1e-9);
  EXPECT_NEAR(w->grad()[0], 0.5f, 1e-6);
}

TEST(TrainOptim, Schedules) {
  LrSchedule s{"multistep", 1.0f, 10, 100};
  EXPECT_NEAR(s.at(0), 0.1f, 1e-7);
  EXPECT_NEAR(s.at(9), 1.0f, 1e-7);
  EXPECT_EQ(s.at(79), 1.0f);
  EXPECT_NEAR(s.at(80), 0.316f, 1e-7);
  EXPECT_NEAR(s.at(95), 0.1f, 1e-7);
  LrSchedule c{"cosine", 1.0f, 0, 100, 0.1f};
  EXPECT_NEAR(c.at(0), 1.0f, 1e-6);
  EXPECT_NEAR(c.at(50), 0.55f, 1e-6);
  EXPECT_NEAR(c.at(100), 0.1f, 1e-6);
  LrSchedule bad{"linear", 1.0f, 0, 10};
  expect_error([&] { bad.at(3); }, "unknown kind");
}

TEST(TrainData, BestFitBeatsConcatOnTruncations) {
  std::vector<std::vector<int32_t>> docs;
  Rng r(5);
  for (int i = 0; i < 60; ++i) docs.push_back(std::vector<int32_t>(1 + r.below(20), i));
  docs.push_back(std::vector<int32_t>(37, 99));  // longer than a row: split first
  auto bf = data::pack_best_fit(docs, 16, -7), cc = data::pack_concat(docs, 16, -7);
  int64_t total = 0;
  for (auto& d : docs) total += (int64_t)d.size();
  for (auto* p : {&bf, &cc}) {
    int64_t real = 0;
    for (auto s : p->seg) real += s >= 0;
    EXPECT_EQ(real, total);  // every token placed exactly once
    EXPECT_EQ(p->pad_tokens, p->rows() * 16 - total);
  }
  int64_t longer = 0;
  for (auto& d : docs) longer += d.size() > 16;
  EXPECT_EQ(bf.truncated_docs, longer);
  EXPECT_GT(cc.truncated_docs, bf.truncated_docs);
  // a document piece never spans two segment ids within a row, and pads are -1 with pad id
  for (int64_t i = 0; i < bf.rows() * 16; ++i) {
    if (bf.seg[i] < 0) {
      EXPECT_EQ(bf.tokens[i], -7);
    }
  }
}

TEST(TrainData, FimPsmLayoutAtCharBoundaries) {
  Rng r(1);
  data::FimTokens ft{1000, 1001, 1002};
  auto enc = [](std::string_view s) {
    std::vector<int32_t> v;
    for (unsigned char c : s) v.push_back(c);
    return v;
  };
  std::string text = "h\xc3\xa9llo w\xc3\xb6rld";
  int applied = 0;
  for (int i = 0; i < 50; ++i) {
    auto s = data::fim_split(text, 0.5, r);
    if (!s.applied) continue;
    ++applied;
    EXPECT_EQ(s.prefix + s.middle + s.suffix, text);
    EXPECT_TRUE(utf8_valid(s.prefix) && utf8_valid(s.middle) && utf8_valid(s.suffix));
  }
  EXPECT_GT(applied, 10);
  EXPECT_LT(applied, 40);
  Rng r2(2);
  auto t = data::fim_encode("abcdef", 1.0, r2, ft, enc);
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0], 1000);
  int hole = (int)(std::find(t.begin(), t.end(), 1001) - t.begin()), end = (int)(std::find(t.begin(), t.end(), 1002) - t.begin());
  ASSERT_LT(hole, end);
  std::string pre(t.begin() + 1, t.begin() + hole), suf(t.begin() + hole + 1, t.begin() + end), mid(t.begin() + end + 1, t.end());
  EXPECT_EQ(pre + mid + suf, "abcdef");
  expect_error([&] { data::fim_encode("x", 0.5, r2, data::FimTokens{}, enc); }, "no FIM tokens");
}

TEST(TrainData, ShardRoundTripAndShuffle) {
  auto d = tmpdir("shard");
  std::vector<std::vector<int32_t>> docs = {{1, 2, 3}, {4, 5}, {6, 7, 8, 9, 10, 11}};
  auto p = data::pack_best_fit(docs, 4, 0);
  data::write_shard(d + "/a.bin", p);
  data::Shard s(d + "/a.bin");
  ASSERT_EQ(s.rows(), p.rows());
  EXPECT_EQ(std::memcmp(s.tokens(0), p.tokens.data(), p.tokens.size() * 4), 0);
  auto o1 = data::shuffled_order(100, 7, 0), o2 = data::shuffled_order(100, 7, 0), o3 = data::shuffled_order(100, 7, 1);
  EXPECT_EQ(o1, o2);
  EXPECT_NE(o1, o3);
  std::vector<int64_t> sorted = o1;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  fs::remove_all(d);
}

TEST(TrainData, JsonlErrors) {
  auto d = tmpdir("jsonl");
  write_file_atomic(d + "/empty.jsonl", "\n\n");
  expect_error([&] { read_jsonl_docs(d + "/empty.jsonl"); }, "empty dataset");
  write_file_atomic(d + "/bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": \"bad \xff\"}\n");
  expect_error([&] { read_jsonl_docs(d + "/bad.jsonl"); }, "bad.jsonl: line 2: invalid UTF-8 at byte 14");
  write_file_atomic(d + "/nt.jsonl", "{\"txt\": \"ok\"}\n");
  expect_error([&] { read_jsonl_docs(d + "/nt.jsonl"); }, "nt.jsonl: line 1: expected an object with a string \"text\"");
  fs::remove_all(d);
}

// A small corpus of repeated patterned documents, packed into a shard.
static std::string make_shard(const std::string& d, int64_t L) {
  std::vector<std::vector<int32_t>> docs;
  Rng r(9);
  for (int i = 0; i < 40; ++i) {
    std::vector<int32_t> doc;
    int a = (int)r.below(8);
    for (int j = 0; j < 5 + (int)r.below(10); ++j) doc.push_back((a + j) % 16 + 8);
    docs.push_back(doc);
  }
  data::write_shard(d + "/train.bin", data::pack_best_fit(docs, L, 0));
  return d + "/train.bin";
}

static TrainOptions small_opts() {
  TrainOptions o;
  o.steps = 6;
  o.batch = 4;
  o.accum = 2;
  o.lr = LrSchedule{"multistep", 1e-2f, 2, 6};
  o.seed = 5;
  o.loss.seq_aux_alpha = 1e-3f;
  return o;
}

TEST(TrainLoop, ExactResumeIsBitIdentical) {
  auto d = tmpdir("resume");
  data::Shard sh(make_shard(d, 9));
  auto cfg = ModelConfig::from_json(testutil::tiny_v3_json(1), "tiny");
  // straight: 6 steps
  TrainModel a = TrainModel::init(cfg, 1);
  Trainer ta(a, sh, small_opts());
  double first = 0, last = 0;
  for (int i = 0; i < 6; ++i) {
    auto st = ta.step();
    if (i == 0) first = st.main_ce;
    last = st.main_ce;
  }
  EXPECT_LT(last, first);  // it learns
  // interrupted: 3 steps, save, reload into fresh objects, 3 more
  TrainModel b = TrainModel::init(cfg, 1);
  {
    Trainer tb(b, sh, small_opts());
    for (int i = 0; i < 3; ++i) tb.step();
    tb.save(d + "/out");
  }
  std::string ck = latest_checkpoint(d + "/out");
  ASSERT_NE(ck.find("step-00000003"), std::string::npos);
  TrainModel c = TrainModel::load(ck);
  Trainer tc(c, sh, small_opts());
  tc.load_state(ck);
  while (tc.steps_done() < 6) tc.step();
  auto pa = a.params(), pc = c.params();
  ASSERT_EQ(pa.size(), pc.size());
  for (size_t i = 0; i < pa.size(); ++i)
    ASSERT_EQ(std::memcmp(pa[i].v->val(), pc[i].v->val(), pa[i].v->v.nbytes()), 0) << pa[i].name;
  auto ba = a.buffers(), bc = c.buffers();
  for (size_t i = 0; i < ba.size(); ++i) ASSERT_EQ(std::memcmp(ba[i].second->raw(), bc[i].second->raw(), ba[i].second->nbytes()), 0);
  fs::remove_all(d);
}

TEST(TrainLoop, NanLossStopsWithoutTouchingWeights) {
  auto d = tmpdir("nan");
  data::Shard sh(make_shard(d, 9));
  TrainModel m = TrainModel::init(ModelConfig::from_json(testutil::tiny_v3_json(0), "tiny"), 1);
  Trainer t(m, sh, small_opts());
  t.step();
  m.layers[0].attn.o->val()[0] = std::nanf("");
  std::vector<float> before(m.embed->val(), m.embed->val() + m.embed->numel());
  expect_error([&] { t.step(); }, "loss is nan");
  EXPECT_EQ(std::memcmp(before.data(), m.embed->val(), before.size() * 4), 0);
  EXPECT_EQ(t.steps_done(), 1);
  fs::remove_all(d);
}

TEST(TrainLoop, AuxFreeBiasLowersMaxVio) {
  // A gate initialised to favour expert 0 heavily: with bias updates the load evens out.
  auto d = tmpdir("bias");
  data::Shard sh(make_shard(d, 9));
  auto cfg = ModelConfig::from_json(testutil::tiny_v3_json(0), "tiny");
  auto run = [&](float gamma) {
    TrainModel m = TrainModel::init(cfg, 2);
    float* g = m.layers[1].moe.gate->val();
    for (int64_t c = 0; c < 16; ++c) g[c] = 0.0f, g[16 + c] = 0.0f;  // experts 0 and 1 from the same group
    for (int e = 0; e < 4; ++e) for (int c = 0; c < 16; ++c) g[e * 16 + c] += e < 2 ? 0.0f : -0.0f;
    auto o = small_opts();
    o.steps = 30;
    o.lr.total = 30;
    o.lr.peak = 1e-4f;  // keep weights nearly fixed: the bias does the balancing
    o.bias_gamma = gamma;
    o.loss.seq_aux_alpha = 0;
    Trainer t(m, sh, o);
    // start heavily unbalanced
    m.layers[1].moe.bias.f32()[0] = 0.5f;
    m.layers[1].moe.bias.f32()[1] = 0.4f;
    double mv = 0;
    for (int i = 0; i < 30; ++i) {
      auto st = t.step();
      if (i >= 20) mv += st.routes.at(0).maxvio() / 10.0;
    }
    return mv;
  };
  double off = run(0.0f), on = run(0.05f);
  EXPECT_LT(on, off * 0.7) << "maxvio with aux-free balancing " << on << " vs without " << off;
  fs::remove_all(d);
}

TEST(TrainLoop, Bf16MixedPrecisionTrainsAndStaysClose) {
  auto d = tmpdir("bf16");
  data::Shard sh(make_shard(d, 9));
  auto cfg = ModelConfig::from_json(testutil::tiny_v3_json(1), "tiny");
  auto run = [&](bool bf) {
    TrainModel m = TrainModel::init(cfg, 4);
    auto o = small_opts();
    o.bf16 = bf;
    Trainer t(m, sh, o);
    std::vector<double> l;
    for (int i = 0; i < 6; ++i) l.push_back(t.step().main_ce);
    ag::set_bf16_gemm(false);
    return l;
  };
  auto f = run(false), b = run(true);
  EXPECT_LT(b.back(), b.front());             // it learns
  EXPECT_NE(f.back(), b.back());              // BF16 rounding really applied
  EXPECT_NEAR(f.front(), b.front(), 2e-2);    // same model, BF16-sized difference
  fs::remove_all(d);
}

TEST(TrainModel, CheckpointLoadsInRLogitsWithSameLogits) {
  // The inference engine (`r1 logits`) reads a trained checkpoint, MTP layer included, and agrees with the trainer.
  auto d = tmpdir("interop");
  auto j = testutil::tiny_v3_json(1);
  TrainModel m = TrainModel::init(ModelConfig::from_json(j, "tiny"), 8);
  for (auto& [n, t] : m.buffers())
    for (int64_t i = 0; i < t->numel(); ++i) t->f32()[i] = 0.02f * (float)(i % 5);
  m.save(d + "/ck");
  std::vector<int32_t> ids = {1, 5, 9, 2, 30, 7, 7, 3};
  write_file_atomic(d + "/t.json", json{{"tokens", {ids}}}.dump());
  std::string cmd = std::string(R1_BINARY) + " logits --threads 1 --model " + d + "/ck --tokens " + d + "/t.json --out " +
                    d + "/l.bin > " + d + "/log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text_file(d + "/log");
  std::string raw = read_text_file(d + "/l.bin");
  ASSERT_EQ(raw.size(), ids.size() * 32 * 4);
  ag::Tape t;
  t.enabled = false;
  std::vector<int32_t> pos(ids.size());
  for (size_t i = 0; i < pos.size(); ++i) pos[i] = (int32_t)i;
  Var lg = m.forward_logits(t, ids, ag::AttnLayout{1, (int64_t)ids.size(), {}}, pos);
  double mx = 0;
  for (int64_t i = 0; i < lg->numel(); ++i) {
    float v;
    std::memcpy(&v, raw.data() + 4 * i, 4);
    mx = std::max(mx, (double)std::fabs(v - lg->val()[i]));
  }
  EXPECT_LT(mx, 2e-4);
  fs::remove_all(d);
}

TEST(TrainText, KnownWordShare) {
  auto vocab = word_vocab({"This package is free software.", "See the GNU General Public License"});
  EXPECT_EQ(text_words("  (Hello), world!\n\tfoo-bar  "), (std::vector<std::string>{"hello", "world", "foo-bar"}));
  int64_t n = 0;
  EXPECT_DOUBLE_EQ(known_word_share("this PACKAGE is: gnu", vocab, &n), 1.0);
  EXPECT_EQ(n, 4);
  EXPECT_DOUBLE_EQ(known_word_share("Thsi package xqz license.", vocab, &n), 0.5);
  EXPECT_EQ(known_word_share("  ...  ", vocab, &n), 0.0);
  EXPECT_EQ(n, 0);
}
