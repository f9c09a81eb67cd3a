#include "data/classifier.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "base/error.h"
#include "base/rng.h"
#include "data/stage.h"
#include "data/text.h"

namespace r1::data {

namespace {

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// word hashes, truncated to max_words
void doc_words(std::string_view text, int max_words, std::vector<uint64_t>& wh) {
  word_hashes(text, wh);
  if ((int)wh.size() > max_words) wh.resize(max_words);
}

}  // namespace

void FastText::features(std::string_view text, std::vector<uint32_t>& f) const {
  thread_local std::vector<uint64_t> wh;
  doc_words(text, o_.max_words, wh);
  f.clear();
  for (size_t i = 0; i < wh.size(); ++i) {
    uint32_t r = vocab_.find(wh[i]);
    if (r != U64Map::npos) f.push_back(r);
    uint64_t h = wh[i];
    for (int n = 2; n <= o_.word_ngrams && i + 1 >= (size_t)n; ++n) {
      h = mix64(h * 116049371ull + wh[i + 1 - n]);
      f.push_back((uint32_t)(nwords_ + h % (uint64_t)o_.buckets));
    }
  }
}

void FastText::train(const std::vector<std::string>& texts, const std::vector<int>& labels, const FastTextOptions& o) {
  R1_CHECK(texts.size() == labels.size() && !texts.empty(), "train-classifier: no training examples");
  R1_CHECK(o.dim >= 1 && o.buckets >= 1 && o.epochs >= 1 && o.word_ngrams >= 1 && o.lr > 0,
           "train-classifier: dim, buckets, epochs, word n-grams and lr must be positive");
  o_ = o;
  // Vocabulary: words seen at least min_count times, in first-seen order.
  std::unordered_map<uint64_t, int> counts;
  std::vector<uint64_t> order;
  std::vector<uint64_t> wh;
  for (auto& t : texts) {
    doc_words(t, o.max_words, wh);
    for (uint64_t w : wh)
      if (counts[w]++ == 0) order.push_back(w);
  }
  vocab_ = U64Map();
  words_.clear();
  for (uint64_t w : order)
    if (counts[w] >= o.min_count) {
      vocab_.insert(w, (uint32_t)words_.size());
      words_.push_back(w);
    }
  nwords_ = (int)words_.size();
  const size_t rows = (size_t)nwords_ + (size_t)o.buckets, D = (size_t)o.dim;
  std::vector<float> E(rows * D), w(D, 0.0f), grad(D), h(D);
  Rng rng(o.seed);
  for (auto& x : E) x = (float)((rng.uniform() * 2 - 1) / o.dim);
  float b = 0;
  std::vector<std::vector<uint32_t>> feats(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) features(texts[i], feats[i]);
  std::vector<size_t> idx(texts.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  const double total = (double)o.epochs * texts.size();
  double step = 0;
  for (int ep = 0; ep < o.epochs; ++ep) {
    for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[rng.below(i)]);
    for (size_t k : idx) {
      const float lr = (float)(o.lr * (1.0 - step / total));
      ++step;
      auto& f = feats[k];
      if (f.empty()) continue;
      std::fill(h.begin(), h.end(), 0.0f);
      for (uint32_t r : f) {
        const float* e = &E[r * D];
        for (size_t d = 0; d < D; ++d) h[d] += e[d];
      }
      const float inv = 1.0f / f.size();
      float z = b;
      for (size_t d = 0; d < D; ++d) h[d] *= inv, z += w[d] * h[d];
      // Logistic loss gradient: (y - p); fastText's binary softmax is the same model.
      const float g = lr * ((float)labels[k] - sigmoid(z));
      for (size_t d = 0; d < D; ++d) grad[d] = g * w[d] * inv, w[d] += g * h[d];
      b += g;
      for (uint32_t r : f) {
        float* e = &E[r * D];
        for (size_t d = 0; d < D; ++d) e[d] += grad[d];
      }
    }
  }
  row_score_.assign(rows, 0.0f);
  for (size_t r = 0; r < rows; ++r) {
    float s = 0;
    for (size_t d = 0; d < D; ++d) s += w[d] * E[r * D + d];
    row_score_[r] = s;
  }
  bias_ = b;
}

float FastText::score(std::string_view text) const {
  thread_local std::vector<uint32_t> f;
  features(text, f);
  if (f.empty()) return sigmoid(bias_);
  double s = 0;
  for (uint32_t r : f) s += row_score_[r];
  return sigmoid(bias_ + (float)(s / f.size()));
}

static const char kMagic[8] = {'R', '1', 'F', 'T', 'C', 'L', 'S', '1'};

void FastText::save(const std::string& path) const {
  std::string b(kMagic, 8);
  auto put = [&](const void* p, size_t n) { b.append((const char*)p, n); };
  int32_t hdr[7] = {o_.dim, o_.word_ngrams, o_.min_count, o_.epochs, o_.buckets, o_.max_words, nwords_};
  put(hdr, sizeof hdr);
  put(&o_.lr, 4);
  put(&bias_, 4);
  put(words_.data(), words_.size() * 8);
  put(row_score_.data(), row_score_.size() * 4);
  write_file_atomic(path, b);
}

FastText FastText::load(const std::string& path) {
  std::string b = read_text_file(path);
  R1_CHECK(b.size() >= 8 + 28 + 8 && memcmp(b.data(), kMagic, 8) == 0, path, ": not an r1 classifier model (bad magic)");
  FastText m;
  size_t off = 8;
  auto get = [&](void* p, size_t n) {
    R1_CHECK(off + n <= b.size(), path, ": truncated classifier model");
    memcpy(p, b.data() + off, n);
    off += n;
  };
  int32_t hdr[7];
  get(hdr, sizeof hdr);
  m.o_.dim = hdr[0], m.o_.word_ngrams = hdr[1], m.o_.min_count = hdr[2], m.o_.epochs = hdr[3];
  m.o_.buckets = hdr[4], m.o_.max_words = hdr[5], m.nwords_ = hdr[6];
  R1_CHECK(m.o_.buckets > 0 && m.nwords_ >= 0 && m.o_.word_ngrams >= 1 && m.o_.max_words > 0, path, ": corrupt classifier header");
  get(&m.o_.lr, 4);
  get(&m.bias_, 4);
  m.words_.resize(m.nwords_);
  get(m.words_.data(), m.words_.size() * 8);
  m.row_score_.resize((size_t)m.nwords_ + m.o_.buckets);
  get(m.row_score_.data(), m.row_score_.size() * 4);
  R1_CHECK(off == b.size(), path, ": trailing bytes in classifier model");
  for (int i = 0; i < m.nwords_; ++i) m.vocab_.insert(m.words_[i], (uint32_t)i);
  return m;
}

std::string url_domain(std::string_view url) {
  size_t p = url.find("://");
  std::string_view rest = p == std::string_view::npos ? url : url.substr(p + 3);
  size_t e = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, e);
  size_t at = host.rfind('@');
  if (at != std::string_view::npos) host = host.substr(at + 1);
  size_t colon = host.find(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  std::string d(host);
  for (auto& c : d)
    if (c >= 'A' && c <= 'Z') c = (char)(c | 0x20);
  if (d.rfind("www.", 0) == 0) d = d.substr(4);
  return d;
}

json run_classify(const ClassifyRun& run) {
  R1_CHECK(run.mode == "filter" || run.mode == "tag", "classify: --mode must be filter or tag, got ", run.mode);
  R1_CHECK(!run.inputs.empty(), "classify: no inputs");
  check_inputs_exist(run.inputs);
  if (!run.out_dir.empty()) check_distinct_names(run.inputs);
  check_inputs_exist({run.model});
  FastText m = FastText::load(run.model);
  const double t0 = now_seconds();
  json files = json::array();
  Counts total;
  int64_t pos_total = 0;
  for (auto& in : run.inputs) {
    std::string out = run.out_dir.empty() ? "" : out_path_for(run.out_dir, in);
    Counts c;
    int64_t pos = 0;
    std::vector<float> s;
    stream_file(in, out, run.read, c, [&](std::vector<Doc>& b, BatchOut& bo) {
      s.assign(b.size(), 0.0f);
#pragma omp parallel for schedule(dynamic, 16)
      for (size_t i = 0; i < b.size(); ++i)
        if (b[i].status == LineStatus::ok) s[i] = m.score(b[i].text);
      for (size_t i = 0; i < b.size(); ++i) {
        if (b[i].status != LineStatus::ok) continue;
        bool p = s[i] >= run.threshold;
        pos += p;
        bo.keep[i] = run.mode == "tag" || p;
        if (run.mode == "tag") bo.line[i] = json_add_number(b[i].raw, "math_score", s[i]);
      }
    });
    json fj = c.to_json();
    fj["file"] = in;
    fj["positive"] = pos;
    files.push_back(fj);
    total.merge(c);
    pos_total += pos;
  }
  double secs = seconds_since(t0);
  json tj = total.to_json();
  tj["positive"] = pos_total;
  json rep = {{"stage", "classify"}, {"model", run.model}, {"mode", run.mode}, {"threshold", run.threshold},
              {"files", files}, {"total", tj}, {"threads", omp_get_max_threads()}, {"seconds", secs}, {"peak_rss_mib", peak_rss_mib()},
              {"mb_per_s", secs > 0 ? total.bytes / 1e6 / secs : 0.0}};
  if (!run.out_dir.empty()) write_file_atomic(run.out_dir + "/classify_report.json", rep.dump(2) + "\n");
  return rep;
}

namespace {

// Texts (and optionally labels) of a JSONL file, in memory: seeds and held-out sets are small.
void load_texts(const std::string& path, const ReadOptions& ro, std::vector<std::string>& texts, std::vector<int>* labels) {
  LineReader r(path, ro.max_doc_bytes);
  std::string line, text;
  bool tl;
  while (r.next(line, tl)) {
    if (tl || line.find_first_not_of(" \t") == std::string::npos) continue;
    bool found, bad;
    if (!json_scan_line(line, ro.field, text, found, bad) || !found) continue;
    if (labels) {
      json j = json::parse(line);
      R1_CHECK(j.contains("label"), path, ":", r.line_no(), ": held-out example without \"label\"");
      labels->push_back(j["label"].get<int>() != 0);
    }
    texts.push_back(text);
  }
  R1_CHECK(!texts.empty(), path, ": no documents");
}

struct CorpusDoc {
  float score;
  uint32_t domain;
  uint8_t collected;
};

}  // namespace

json run_math_iterate(const MathIterRun& run) {
  R1_CHECK(!run.corpus.empty(), "train-classifier: give the corpus to mine (JSONL files)");
  R1_CHECK(run.iterations >= 1, "train-classifier: --iterations must be >= 1");
  R1_CHECK(!run.out_dir.empty(), "train-classifier: --out DIR is required");
  check_inputs_exist(run.corpus);
  check_distinct_names(run.corpus);
  check_inputs_exist({run.seed_positives});
  if (!run.heldout.empty()) check_inputs_exist({run.heldout});
  const double t0 = now_seconds();
  std::vector<std::string> seeds, held;
  std::vector<int> held_y;
  load_texts(run.seed_positives, run.read, seeds, nullptr);
  if (!run.heldout.empty()) load_texts(run.heldout, run.read, held, &held_y);

  std::vector<CorpusDoc> docs;  // every corpus document, in order: 12 B each
  std::vector<std::string> domains;
  std::map<std::string, uint32_t> domain_id;
  std::vector<std::string> positives = seeds;
  json iters = json::array();
  FastText model;
  Rng rng(run.ft.seed ^ 0x6e6567ull);
  for (int it = 0; it < run.iterations; ++it) {
    // Negatives: a uniform sample of corpus pages not collected so far
    // (reservoir sampling while streaming).
    size_t want_neg = std::max<size_t>(1, (size_t)(positives.size() * run.negatives_per_positive));
    std::vector<std::string> neg;
    int64_t seen = 0, gi = 0;
    for (auto& path : run.corpus) {
      Counts c;
      stream_file(path, "", run.read, c, [&](std::vector<Doc>& b, BatchOut&) {
        for (auto& d : b) {
          if (d.status != LineStatus::ok) continue;
          int64_t k = gi++;
          if (it > 0 && docs[k].collected) continue;
          ++seen;
          if (neg.size() < want_neg) neg.push_back(d.text);
          else {
            uint64_t j = rng.below((uint64_t)seen);
            if (j < want_neg) neg[j] = d.text;
          }
        }
      });
    }
    std::vector<std::string> X = positives;
    std::vector<int> Y(positives.size(), 1);
    X.insert(X.end(), neg.begin(), neg.end());
    Y.resize(X.size(), 0);
    model.train(X, Y, run.ft);
    json ij = {{"iteration", it + 1}, {"positives", positives.size()}, {"negatives", neg.size()}, {"vocab", model.vocab_size()}};
    if (!held.empty()) {
      std::vector<float> hs(held.size());
#pragma omp parallel for schedule(dynamic, 8)
      for (size_t i = 0; i < held.size(); ++i) hs[i] = model.score(held[i]);
      int64_t tp = 0, fp = 0, fn = 0;
      for (size_t i = 0; i < held.size(); ++i) {
        bool p = hs[i] >= 0.5f;
        tp += p && held_y[i], fp += p && !held_y[i], fn += !p && held_y[i];
      }
      ij["heldout"] = {{"examples", held.size()}, {"precision", tp + fp ? (double)tp / (tp + fp) : 1.0},
                       {"recall", tp + fn ? (double)tp / (tp + fn) : 1.0}, {"tp", tp}, {"fp", fp}, {"fn", fn}};
    }
    // Score the corpus.
    docs.clear();
    std::vector<float> s;
    std::vector<std::string> urls;
    for (auto& path : run.corpus) {
      Counts c;
      stream_file(path, "", run.read, c, [&](std::vector<Doc>& b, BatchOut&) {
        s.assign(b.size(), 0.0f);
        urls.assign(b.size(), std::string());
#pragma omp parallel for schedule(dynamic, 16)
        for (size_t i = 0; i < b.size(); ++i) {
          if (b[i].status != LineStatus::ok) continue;
          s[i] = model.score(b[i].text);
          std::string u;
          bool found, bad;
          if (json_scan_line(b[i].raw, run.url_field, u, found, bad) && found) urls[i] = url_domain(u);
        }
        for (size_t i = 0; i < b.size(); ++i) {
          if (b[i].status != LineStatus::ok) continue;
          auto [itd, fresh] = domain_id.emplace(urls[i], (uint32_t)domains.size());
          if (fresh) domains.push_back(urls[i]);
          docs.push_back({s[i], itd->second, 0});
        }
      });
    }
    // Collect the top pages.
    std::vector<uint32_t> order;
    for (size_t i = 0; i < docs.size(); ++i)
      if (docs[i].score >= run.collect_threshold) order.push_back((uint32_t)i);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return docs[a].score > docs[b].score; });
    if (run.top > 0 && (int64_t)order.size() > run.top) order.resize(run.top);
    for (uint32_t i : order) docs[i].collected = 1;
    // Domain-level expansion: a domain with more than domain_frac of its pages
    // collected is math-related; its other pages above domain_min_score join.
    std::vector<int64_t> dn(domains.size(), 0), dc(domains.size(), 0);
    for (auto& d : docs) ++dn[d.domain], dc[d.domain] += d.collected;
    int64_t expanded = 0, math_domains = 0;
    json dom_list = json::array();
    for (size_t k = 0; k < domains.size(); ++k) {
      if (domains[k].empty() || dc[k] <= run.domain_frac * dn[k]) continue;
      ++math_domains;
      if (dom_list.size() < 50) dom_list.push_back({{"domain", domains[k]}, {"pages", dn[k]}, {"collected", dc[k]}});
    }
    for (auto& d : docs) {
      if (d.collected || domains[d.domain].empty()) continue;
      if (dc[d.domain] > run.domain_frac * dn[d.domain] && d.score >= run.domain_min_score) d.collected = 1, ++expanded;
    }
    int64_t collected = 0;
    for (auto& d : docs) collected += d.collected;
    ij["corpus_docs"] = docs.size();
    ij["collected_by_score"] = order.size();
    ij["math_domains"] = math_domains;
    ij["domains"] = dom_list;
    ij["collected_by_domain"] = expanded;
    ij["collected"] = collected;
    iters.push_back(ij);
    fprintf(stderr, "train-classifier: iteration %d: %zu positives, collected %lld pages\n", it + 1, positives.size(),
            (long long)collected);
    // Next positives: seeds plus the collected pages.
    if (it + 1 < run.iterations) {
      positives = seeds;
      int64_t k = 0;
      for (auto& path : run.corpus) {
        Counts c;
        stream_file(path, "", run.read, c, [&](std::vector<Doc>& b, BatchOut&) {
          for (auto& d : b)
            if (d.status == LineStatus::ok && docs[k++].collected) positives.push_back(d.text);
        });
      }
    }
  }
  // Final outputs: the model and the collected pages (input lines verbatim).
  std::string model_path = run.out_dir + "/model.bin";
  std::filesystem::create_directories(run.out_dir);
  model.save(model_path);
  int64_t k = 0;
  Counts total;
  for (auto& path : run.corpus) {
    Counts c;
    stream_file(path, out_path_for(run.out_dir, path), run.read, c, [&](std::vector<Doc>& b, BatchOut& bo) {
      for (size_t i = 0; i < b.size(); ++i)
        if (b[i].status == LineStatus::ok) bo.keep[i] = docs[k++].collected;
    });
    total.merge(c);
  }
  double secs = seconds_since(t0);
  json tj = total.to_json();
  json rep = {{"stage", "train-classifier"}, {"model", model_path},
              {"params", {{"dim", run.ft.dim}, {"lr", run.ft.lr}, {"word_ngrams", run.ft.word_ngrams},
                          {"min_count", run.ft.min_count}, {"epochs", run.ft.epochs}, {"buckets", run.ft.buckets},
                          {"iterations", run.iterations}, {"collect_threshold", run.collect_threshold},
                          {"top", run.top}, {"domain_frac", run.domain_frac}}},
              {"seed_positives", seeds.size()}, {"iterations", iters}, {"total", tj},
              {"threads", omp_get_max_threads()}, {"seconds", secs}, {"peak_rss_mib", peak_rss_mib()}};
  write_file_atomic(run.out_dir + "/train_report.json", rep.dump(2) + "\n");
  return rep;
}

}  // namespace r1::data
