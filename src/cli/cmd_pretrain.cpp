// r1 pretrain: DeepSeek-V3 pretraining (MTP, aux-loss-free balancing, FIM,
// best-fit packing) from JSONL documents, with exact resume.
// r1 pretrain-gather: plain-text files under a folder -> JSONL documents.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/json.h"
#include "base/progress.h"
#include "base/rng.h"
#include "cli/common.h"
#include "cli/registry.h"
#include "data/shards.h"
#include "train/corpus.h"
#include "train/model.h"
#include "train/textcheck.h"
#include "train/trainer.h"

namespace fs = std::filesystem;
using namespace r1;
using namespace r1::train;

// Cross-entropy of the add-one unigram model fitted on train targets, on val targets.
static double unigram_baseline(const data::Shard& tr, const data::Shard& va, int V) {
  std::vector<double> cnt(V, 1.0);
  double tot = V;
  auto targets = [](const data::Shard& s, auto&& f) {
    for (int64_t r = 0; r < s.rows(); ++r)
      for (int64_t i = 0; i + 1 < s.row_len(); ++i)
        if (s.seg(r)[i] >= 0 && s.seg(r)[i + 1] == s.seg(r)[i]) f(s.tokens(r)[i + 1]);
  };
  targets(tr, [&](int32_t t) { cnt[t] += 1, tot += 1; });
  double ce = 0;
  int64_t n = 0;
  targets(va, [&](int32_t t) { ce -= std::log(cnt[t] / tot), ++n; });
  return n ? ce / (double)n : 0.0;
}

// n tokens drawn from the (add-one) unigram distribution of the train targets.
static std::vector<int32_t> unigram_sample(const data::Shard& tr, int V, int64_t n, uint64_t seed) {
  std::vector<double> cnt(V, 1.0);
  double tot = V;
  for (int64_t r = 0; r < tr.rows(); ++r)
    for (int64_t i = 0; i + 1 < tr.row_len(); ++i)
      if (tr.seg(r)[i] >= 0 && tr.seg(r)[i + 1] == tr.seg(r)[i]) cnt[tr.tokens(r)[i + 1]] += 1, tot += 1;
  Rng rng(seed ^ 0x5A5A5A5Aull);
  std::vector<int32_t> out;
  for (int64_t k = 0; k < n; ++k) {
    double u = rng.uniform() * tot;
    int32_t pick = V - 1;
    for (int v = 0; v < V; ++v) {
      u -= cnt[v];
      if (u <= 0) {
        pick = v;
        break;
      }
    }
    out.push_back(pick);
  }
  return out;
}

static void truncate_metrics(const std::string& path, int64_t upto) {
  std::ifstream f(path);
  if (!f) return;
  std::string line, keep;
  while (std::getline(f, line)) {
    try {
      if (json::parse(line).at("step").get<int64_t>() <= upto) keep += line + "\n";
    } catch (...) {
    }
  }
  write_file_atomic(path, keep);
}

static int cmd_pretrain(int argc, char** argv) {
  CLI::App app{"Pretrain a DeepSeek-V3-shaped model (MLA + MoE + MTP) on JSONL documents", "r1 pretrain"};
  std::string model_config, tokenizer = "bytes", data_path, out, schedule = "multistep", packing = "bestfit", prompt;
  int64_t steps = 100, seq_len = 128, batch = 8, accum = 1, warmup = 0, save_every = 0, sample = 0, eval_rows = 256,
          samples = 1;
  double lr = 1e-3, wd = 0.1, clip = 1.0, mtp_lambda = 0.3, gamma = 0.001, seq_alpha = 0.0, v2_alpha = 0.0,
         fim_rate = 0.0, val_fraction = 0.05, temperature = 0.0;
  int mtp_depth = -1;
  uint64_t seed = 0;
  bool resume = false, bf16 = false;
  int threads = 0;
  app.add_option("--model-config", model_config, "HF config.json of the model to train (not needed with --resume)");
  app.add_option("--tokenizer", tokenizer, "tokenizer.json, or 'bytes' for the byte-level codec")->capture_default_str();
  app.add_option("--data", data_path, "JSONL documents with a \"text\" field");
  app.add_option("--out", out, "output folder: latest/ (HF checkpoint + state), metrics.jsonl, data/")->required();
  app.add_option("--steps", steps, "total optimizer steps")->capture_default_str();
  app.add_option("--seq-len", seq_len, "tokens per training sequence (T)")->capture_default_str();
  app.add_option("--batch", batch, "sequences per optimizer step")->capture_default_str();
  app.add_option("--accum", accum, "micro-batches per step (gradient accumulation)")->capture_default_str();
  app.add_option("--lr", lr, "peak learning rate")->capture_default_str();
  app.add_option("--warmup-steps", warmup, "linear warm-up steps")->capture_default_str();
  app.add_option("--schedule", schedule, "multistep (DeepSeek) | cosine | constant")->capture_default_str();
  app.add_option("--weight-decay", wd, "AdamW weight decay on matrices")->capture_default_str();
  app.add_option("--clip", clip, "gradient clipping max norm (0 = off)")->capture_default_str();
  app.add_option("--mtp-depth", mtp_depth, "MTP modules D (default: config num_nextn_predict_layers; 0 = off)");
  app.add_option("--mtp-lambda", mtp_lambda, "MTP loss weight lambda")->capture_default_str();
  app.add_option("--bias-gamma", gamma, "aux-loss-free bias update speed (0 = off)")->capture_default_str();
  app.add_option("--seq-aux-alpha", seq_alpha, "V3 sequence-wise balance loss alpha")->capture_default_str();
  app.add_option("--v2-aux-alpha", v2_alpha, "V2 expert-level balance loss alpha")->capture_default_str();
  app.add_option("--fim-rate", fim_rate, "fraction of documents turned into FIM (PSM)")->capture_default_str();
  app.add_option("--packing", packing, "bestfit | concat")->capture_default_str();
  app.add_option("--val-fraction", val_fraction, "documents held out for validation")->capture_default_str();
  app.add_option("--eval-rows", eval_rows, "validation rows evaluated at the end")->capture_default_str();
  app.add_option("--save-every", save_every, "checkpoint every N steps (and always at the end)");
  app.add_option("--seed", seed, "seed (init, data order, FIM)")->capture_default_str();
  app.add_flag("--resume", resume, "continue from --out/latest");
  app.add_flag("--bf16", bf16, "BF16 mixed precision (BF16 GEMM inputs, FP32 master weights/accumulation)");
  app.add_option("--sample", sample, "generate N tokens at the end (and check its words against the corpus)");
  app.add_option("--samples", samples, "how many samples of --sample tokens")->capture_default_str();
  app.add_option("--prompt", prompt, "prompt for --sample");
  app.add_option("--temperature", temperature, "sampling temperature (0 = greedy)");
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  tune_allocator_for_training();
  R1_CHECK(steps > 0 && seq_len >= 2 && batch > 0 && accum > 0, "need --steps > 0, --seq-len >= 2, --batch > 0");
  R1_CHECK(packing == "bestfit" || packing == "concat", "--packing must be bestfit or concat, got ", packing);
  R1_CHECK(lr > 0 && std::isfinite(lr), "--lr must be positive");

  fs::create_directories(out);
  const std::string data_dir = out + "/data";
  TextCodec codec = load_codec(tokenizer);
  TrainModel model;
  std::string ckpt;
  if (resume) {
    ckpt = latest_checkpoint(out);
    R1_CHECK(!ckpt.empty(), out, ": no checkpoint to --resume from (", out, "/latest is missing)");
    model = TrainModel::load(ckpt);
    fprintf(stderr, "resuming from %s\n", ckpt.c_str());
  } else {
    R1_CHECK(!model_config.empty(), "--model-config is required (unless --resume)");
    json cj = read_json_file(model_config);
    if (mtp_depth >= 0) cj["num_nextn_predict_layers"] = mtp_depth;
    ModelConfig cfg = ModelConfig::from_json(cj, model_config);
    model = TrainModel::init(cfg, seed);
  }
  R1_CHECK(codec.vocab_size <= model.cfg.vocab_size, "tokenizer ", codec.name, " has ", codec.vocab_size,
           " ids but the model's vocab_size is ", model.cfg.vocab_size);
  if (!resume || !fs::exists(data_dir + "/train.bin")) {
    R1_CHECK(!data_path.empty(), "--data is required");
    auto docs = read_jsonl_docs(data_path);
    CorpusOptions co;
    co.row_len = seq_len + 1;
    co.fim_rate = fim_rate;
    co.val_fraction = val_fraction;
    co.best_fit = packing == "bestfit";
    co.seed = seed;
    CorpusStats cs = build_corpus(docs, codec, co, data_dir);
    write_file_atomic(data_dir + "/stats.json", cs.to_json().dump(2) + "\n");
    fprintf(stderr,
            "data: %lld docs (%lld train, %lld val, %lld FIM), %lld tokens; %s packing: %lld rows, %lld truncated docs, "
            "%lld pad tokens; %s baseline: %lld rows, %lld truncated docs\n",
            (long long)cs.docs, (long long)cs.train_docs, (long long)cs.val_docs, (long long)cs.fim_docs,
            (long long)cs.tokens, packing.c_str(), (long long)cs.train_info.rows(),
            (long long)cs.train_info.truncated_docs, (long long)cs.train_info.pad_tokens,
            packing == "bestfit" ? "concat" : "bestfit", (long long)cs.baseline_info.rows(),
            (long long)cs.baseline_info.truncated_docs);
  }
  data::Shard train_shard(data_dir + "/train.bin"), val_shard(data_dir + "/val.bin");
  R1_CHECK(train_shard.row_len() == seq_len + 1, data_dir, "/train.bin has rows of ", train_shard.row_len(),
           " tokens but --seq-len is ", seq_len);

  TrainOptions o;
  o.steps = steps;
  o.batch = batch;
  o.accum = accum;
  o.lr.kind = schedule;
  o.lr.peak = (float)lr;
  o.lr.warmup = warmup;
  o.lr.total = steps;
  (void)o.lr.at(0);  // validates the schedule name
  o.adam.weight_decay = (float)wd;
  o.clip = (float)clip;
  o.loss.mtp = model.cfg.num_nextn_predict_layers > 0;
  o.loss.mtp_lambda = (float)mtp_lambda;
  o.loss.seq_aux_alpha = (float)seq_alpha;
  o.loss.v2_aux_alpha = (float)v2_alpha;
  o.bias_gamma = (float)gamma;
  o.seed = seed;
  o.bf16 = bf16;
  Trainer tr(model, train_shard, o);
  const std::string metrics = out + "/metrics.jsonl";
  if (resume) {
    tr.load_state(ckpt);
    truncate_metrics(metrics, tr.steps_done());
  } else {
    write_file_atomic(metrics, "");
  }
  fprintf(stderr, "model: %lld parameters (%lld with MTP), %d layers, %d MTP modules; %s\n",
          (long long)model.cfg.num_params(false), (long long)model.cfg.num_params(true), model.cfg.num_hidden_layers,
          model.cfg.num_nextn_predict_layers, bf16 ? "bf16 mixed precision" : "fp32");
  FILE* mf = fopen(metrics.c_str(), "a");
  R1_CHECK(mf, metrics, ": cannot open");
  Progress prog("pretrain", steps);
  double tok_total = 0, sec_total = 0;
  while (tr.steps_done() < steps) {
    StepStats st;
    try {
      st = tr.step();
    } catch (const Error& e) {
      fclose(mf);
      std::string last = latest_checkpoint(out);
      fail(e.what(), " (", last.empty() ? "no checkpoint was saved yet" : "latest checkpoint: " + last, ")");
    }
    tok_total += (double)st.tokens;
    sec_total += st.seconds;
    json j = {{"step", st.step}, {"loss", st.loss}, {"main_loss", st.main_ce}, {"lr", st.lr},
              {"grad_norm", st.grad_norm}, {"tokens", st.tokens},
              {"tokens_per_s", st.seconds > 0 ? st.tokens / st.seconds : 0.0}};
    if (!st.mtp_ce.empty()) {
      double s = 0;
      for (double v : st.mtp_ce) s += v;
      j["mtp_loss"] = s / (double)st.mtp_ce.size();
      j["mtp_losses"] = st.mtp_ce;
    } else {
      j["mtp_loss"] = nullptr;
    }
    j["aux_loss"] = st.aux;
    json bal = json::array();
    double mv = 0;
    for (auto& r : st.routes) {
      bal.push_back({{"layer", r.index}, {"load", r.load}, {"maxvio", r.maxvio()}});
      mv += r.maxvio();
    }
    j["maxvio"] = st.routes.empty() ? 0.0 : mv / (double)st.routes.size();
    j["balance"] = bal;
    fprintf(mf, "%s\n", j.dump().c_str());
    fflush(mf);
    char extra[160];
    snprintf(extra, sizeof extra, "loss %.4f | mtp %s | maxvio %.2f | %.0f tok/s", st.main_ce,
             st.mtp_ce.empty() ? "-" : std::to_string(st.mtp_ce[0]).substr(0, 6).c_str(), (double)j["maxvio"],
             sec_total > 0 ? tok_total / sec_total : 0.0);
    prog.update(st.step, extra);
    if ((save_every > 0 && st.step % save_every == 0) || st.step == steps) tr.save(out);
  }
  fclose(mf);
  prog.finish();
  const double val = tr.evaluate(val_shard, eval_rows);
  const double uni = unigram_baseline(train_shard, val_shard, model.cfg.vocab_size);
  json ev = {{"step", tr.steps_done()}, {"val_loss", val}, {"unigram_val_loss", uni},
             {"tokens_per_s", sec_total > 0 ? tok_total / sec_total : 0.0}, {"seconds", sec_total}};
  printf("val_loss %.4f  unigram_baseline %.4f  (%.0f tok/s)\n", val, uni, sec_total > 0 ? tok_total / sec_total : 0.0);
  if (sample > 0) {
    R1_CHECK(samples >= 1, "--samples must be >= 1");
    std::vector<int32_t> ids;
    if (codec.bos >= 0) ids.push_back(codec.bos);
    auto p = codec.encode(prompt);
    ids.insert(ids.end(), p.begin(), p.end());
    std::string all;
    json arr = json::array();
    for (int64_t k = 0; k < samples; ++k) {
      auto outi = sample_tokens(model, ids, (int)sample, (float)temperature, seed + (uint64_t)k);
      std::string text = codec.decode(std::vector<int32_t>(outi.begin() + (codec.bos >= 0 ? 1 : 0), outi.end()));
      printf("sample: %s\n", text.c_str());
      arr.push_back(text);
      // the prompt's own words are not the model's
      all += " " + codec.decode(std::vector<int32_t>(outi.begin() + (int64_t)ids.size(), outi.end()));
    }
    ev["sample"] = arr.size() == 1 ? arr[0] : arr;
    // Word check: share of the generated words found in the training documents'
    // vocabulary, beside the same share for as many tokens drawn from the unigram model.
    if (!data_path.empty()) {
      auto docs = read_jsonl_docs(data_path);
      std::vector<std::string> train_docs;
      for (size_t i = 0; i < docs.size(); ++i)
        if (!is_val_doc(i, val_fraction)) train_docs.push_back(std::move(docs[i]));
      auto vocab = word_vocab(train_docs);
      int64_t nw = 0, nu = 0;
      const double share = known_word_share(all, vocab, &nw);
      std::string uni_text = codec.decode(unigram_sample(train_shard, model.cfg.vocab_size, sample * samples, seed));
      const double ushare = known_word_share(uni_text, vocab, &nu);
      printf("sample words in the corpus vocabulary: %.3f of %lld (unigram samples: %.3f of %lld)\n", share,
             (long long)nw, ushare, (long long)nu);
      ev["sample_words"] = nw;
      ev["sample_word_share"] = share;
      ev["unigram_sample"] = uni_text;
      ev["unigram_words"] = nu;
      ev["unigram_word_share"] = ushare;
    }
  }
  write_file_atomic(out + "/final_eval.json", ev.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
  return 0;
}
R1_COMMAND("pretrain", "pretrain a DeepSeek-V3-shaped model (MTP, aux-free MoE balancing, FIM, packing)", cmd_pretrain);

static int cmd_gather(int argc, char** argv) {
  CLI::App app{"Collect plain-text files under a folder into JSONL documents for r1 pretrain", "r1 pretrain-gather"};
  std::string root = "/usr/share/doc", out;
  int64_t max_docs = 2000, max_bytes = 32768;
  double min_letters = 0.0;
  int threads = 0;
  app.add_option("--root", root, "folder to scan")->capture_default_str();
  app.add_option("--out", out, "output .jsonl")->required();
  app.add_option("--max-docs", max_docs, "at most this many documents")->capture_default_str();
  app.add_option("--max-bytes", max_bytes, "skip files larger than this")->capture_default_str();
  app.add_option("--min-letters", min_letters,
                 "keep only prose-like files: at least this share of ASCII letters/spaces/newlines (0 = all)")
      ->capture_default_str();
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  R1_CHECK(min_letters >= 0 && min_letters <= 1, "--min-letters must be in [0, 1], got ", min_letters);
  int64_t n = gather_text_files(root, out, max_docs, max_bytes, min_letters);
  printf("%lld documents -> %s\n", (long long)n, out.c_str());
  return 0;
}
R1_COMMAND("pretrain-gather", "collect plain-text files (e.g. /usr/share/doc) into JSONL for pretraining", cmd_gather);
