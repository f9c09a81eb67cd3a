// BPE training (see train_bpe.h). Classic incremental algorithm: count
// pre-token words, count adjacent pairs, repeatedly merge the most frequent
// pair (ties: lower left id, then lower right id), updating only the words that
// contain it. A merge whose bytes already name a token reuses that id (as HF).
#include "tokenizer/train_bpe.h"

#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <queue>
#include <unordered_map>

#include "base/error.h"
#include "base/json.h"
#include "base/threads.h"
#include "base/utf8.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/fast_json.h"
#include "tokenizer/pretokenizer.h"

namespace r1 {

std::vector<AddedToken> BpeTrainOptions::deepseek_specials() {
  std::vector<AddedToken> v;
  for (const char* s : {"<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜▁pad▁｜>"}) v.push_back({0, s, true, false});
  for (const char* s : {"<｜User｜>", "<｜Assistant｜>", "<think>", "</think>", "<｜fim▁hole｜>", "<｜fim▁begin｜>",
                        "<｜fim▁end｜>"})
    v.push_back({0, s, false, true});
  return v;
}

namespace {

tok::PreTokenizer deepseek_pre() {
  tok::PreTokenizer p;
  p.steps = {tok::SplitRule::Digits3, tok::SplitRule::CJK, tok::SplitRule::DeepSeekMain};
  return p;
}

// Cuts added-token occurrences (leftmost-longest) out of text.
void strip_specials(std::string_view text, const std::vector<AddedToken>& sp, std::vector<std::string_view>& segs) {
  segs.clear();
  size_t seg = 0;
  for (size_t i = 0; i < text.size();) {
    size_t best = 0;
    for (auto& t : sp)
      if (t.content.size() > best && text.compare(i, t.content.size(), t.content) == 0) best = t.content.size();
    if (best) {
      segs.push_back(text.substr(seg, i - seg));
      i += best;
      seg = i;
    } else {
      i++;
    }
  }
  segs.push_back(text.substr(seg));
}

uint64_t pkey(int32_t a, int32_t b) { return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b; }

}  // namespace

std::string train_bpe(const std::vector<std::string>& texts, const BpeTrainOptions& opt) {
  const int32_t n_sp = (int32_t)opt.special_tokens.size();
  R1_CHECK(opt.vocab_size >= n_sp + 256, "train-tokenizer: vocab size ", opt.vocab_size, " is below ", n_sp + 256,
           " (", n_sp, " special tokens + 256 bytes)");
  for (size_t i = 0; i < texts.size(); i++) {
    size_t bad = utf8_invalid_at(texts[i]);
    R1_CHECK(bad == std::string_view::npos, "train-tokenizer: text ", i, ": invalid UTF-8 at byte ", bad);
  }
  // 1. Word counts, per thread then merged (sums, so thread-count independent).
  tok::PreTokenizer pre = deepseek_pre();
  int nt = std::max(1, num_threads());
  std::vector<std::unordered_map<std::string, int64_t>> part(nt);
#pragma omp parallel num_threads(nt)
  {
    auto& wc = part[omp_get_thread_num()];
    std::vector<std::string_view> segs;
    std::vector<tok::Piece> pieces;
#pragma omp for schedule(dynamic, 64)
    for (long i = 0; i < (long)texts.size(); i++) {
      strip_specials(texts[i], opt.special_tokens, segs);
      for (std::string_view s : segs) {
        pre.split(s, pieces);
        for (auto& p : pieces) wc[std::string(s.substr(p.begin, p.end - p.begin))]++;
      }
    }
  }
  std::map<std::string, int64_t> words_sorted;
  for (auto& m : part)
    for (auto& kv : m) words_sorted[kv.first] += kv.second;
  part.clear();

  // 2. Token table: 256 bytes, then merges; the special tokens follow as added tokens.
  std::vector<std::string> tok_bytes;  // raw bytes per id
  std::unordered_map<std::string, int32_t> bytes_to_id;
  for (int b = 0; b < 256; b++) {
    bytes_to_id[std::string(1, (char)b)] = (int32_t)tok_bytes.size();
    tok_bytes.push_back(std::string(1, (char)b));
  }
  std::vector<std::vector<int32_t>> words;
  std::vector<int64_t> freq;
  for (auto& kv : words_sorted) {
    std::vector<int32_t> w;
    for (unsigned char c : kv.first) w.push_back(c);
    words.push_back(std::move(w));
    freq.push_back(kv.second);
  }
  words_sorted.clear();

  // 3. Pair counts and where they occur.
  std::unordered_map<uint64_t, int64_t> count;
  std::unordered_map<uint64_t, std::vector<int32_t>> where;
  for (size_t wi = 0; wi < words.size(); wi++) {
    auto& w = words[wi];
    for (size_t i = 0; i + 1 < w.size(); i++) {
      uint64_t k = pkey(w[i], w[i + 1]);
      count[k] += freq[wi];
      auto& v = where[k];
      if (v.empty() || v.back() != (int32_t)wi) v.push_back((int32_t)wi);
    }
  }
  struct Entry {
    int64_t count;
    uint64_t pair;
    bool operator<(const Entry& o) const { return count != o.count ? count < o.count : pair > o.pair; }
  };
  std::priority_queue<Entry> pq;
  for (auto& kv : count)
    if (kv.second > 0) pq.push({kv.second, kv.first});

  std::vector<std::pair<int32_t, int32_t>> merges;
  std::vector<int32_t> touched_mark(words.size(), -1);
  while ((int32_t)tok_bytes.size() + n_sp < opt.vocab_size && !pq.empty()) {
    Entry e = pq.top();
    pq.pop();
    auto it = count.find(e.pair);
    int64_t cur = it == count.end() ? 0 : it->second;
    if (cur != e.count) {  // stale
      if (cur > 0) pq.push({cur, e.pair});
      continue;
    }
    if (cur < opt.min_frequency) break;
    int32_t a = (int32_t)(e.pair >> 32), b = (int32_t)(uint32_t)e.pair;
    std::string nb = tok_bytes[a] + tok_bytes[b];
    int32_t nid;
    auto f = bytes_to_id.find(nb);
    if (f != bytes_to_id.end()) {
      nid = f->second;
    } else {
      nid = (int32_t)tok_bytes.size();
      tok_bytes.push_back(nb);
      bytes_to_id.emplace(nb, nid);
    }
    merges.push_back({a, b});
    std::vector<int32_t> ws = std::move(where[e.pair]);
    where.erase(e.pair);
    count.erase(e.pair);
    std::unordered_map<uint64_t, int64_t> delta;
    const int32_t stamp = (int32_t)merges.size();
    for (int32_t wi : ws) {
      if (touched_mark[wi] == stamp) continue;
      touched_mark[wi] = stamp;
      auto& w = words[wi];
      int64_t fr = freq[wi];
      std::vector<int32_t> nw;
      nw.reserve(w.size());
      bool changed = false;
      for (size_t i = 0; i < w.size();) {
        if (i + 1 < w.size() && w[i] == a && w[i + 1] == b) {
          nw.push_back(nid);
          i += 2;
          changed = true;
        } else {
          nw.push_back(w[i++]);
        }
      }
      if (!changed) continue;
      for (size_t i = 0; i + 1 < w.size(); i++) delta[pkey(w[i], w[i + 1])] -= fr;
      for (size_t i = 0; i + 1 < nw.size(); i++) {
        uint64_t k = pkey(nw[i], nw[i + 1]);
        delta[k] += fr;
        auto& v = where[k];
        if (v.empty() || v.back() != wi) v.push_back(wi);
      }
      w.swap(nw);
    }
    // Apply in key order so the queue sees the same sequence on every run.
    std::vector<std::pair<uint64_t, int64_t>> ds(delta.begin(), delta.end());
    std::sort(ds.begin(), ds.end());
    for (auto& [k, d] : ds) {
      if (k == e.pair || d == 0) continue;
      int64_t& c = count[k];
      c += d;
      if (d > 0 && c > 0) pq.push({c, k});
      if (c <= 0) count.erase(k);
    }
  }

  // 4. tokenizer.json.
  std::string sym, s;
  auto symbols = [&](int32_t id) -> std::string {
    tok::bytes_to_symbols(tok_bytes[id], sym);
    return sym;
  };
  const int32_t n_bpe = (int32_t)tok_bytes.size();
  {
    std::unordered_map<std::string, int32_t> seen;
    for (int32_t id = 0; id < n_bpe; id++) seen.emplace(symbols(id), id);
    for (auto& t : opt.special_tokens) {
      R1_CHECK(!t.content.empty(), "train-tokenizer: empty special token");
      R1_CHECK(!seen.count(t.content), "train-tokenizer: special token '", t.content, "' is also a vocab token");
      R1_CHECK(seen.emplace(t.content, -1).second, "train-tokenizer: special token '", t.content, "' is given twice");
    }
  }
  s += "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [";
  for (int32_t i = 0; i < n_sp; i++) {
    const AddedToken& t = opt.special_tokens[i];
    s += i ? ",\n    {" : "\n    {";
    s += "\"id\": " + std::to_string(n_bpe + i) + ", \"content\": ";
    tok::json_escape(s, t.content);
    s += str(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": ",
             t.normalized ? "true" : "false", ", \"special\": ", t.special ? "true" : "false", "}");
  }
  s += "\n  ],\n  \"normalizer\": null,\n  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [";
  for (tok::SplitRule r : pre.steps) {
    s += "\n    {\"type\": \"Split\", \"pattern\": {\"Regex\": ";
    tok::json_escape(s, tok::split_rule_regex(r));
    s += "}, \"behavior\": \"Isolated\", \"invert\": false},";
  }
  s += "\n    {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false}\n  ]},\n";
  s += "  \"post_processor\": null,\n";
  s += "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n";
  s += "  \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": null, "
       "\"end_of_word_suffix\": null, \"fuse_unk\": false, \"byte_fallback\": false, \"ignore_merges\": false,\n";
  s += "    \"vocab\": {";
  for (size_t id = 0; id < tok_bytes.size(); id++) {
    s += id ? ",\n      " : "\n      ";
    tok::json_escape(s, symbols((int32_t)id));
    s += ": " + std::to_string(id);
  }
  s += "\n    },\n    \"merges\": [";
  for (size_t i = 0; i < merges.size(); i++) {
    s += i ? ",\n      " : "\n      ";
    tok::json_escape(s, symbols(merges[i].first) + " " + symbols(merges[i].second));
  }
  s += "\n    ]\n  }\n}\n";
  return s;
}

void write_trained_tokenizer(const std::string& dir, const std::string& tokenizer_json, const BpeTrainOptions& opt) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  R1_CHECK(!ec, dir, ": cannot create directory: ", ec.message());
  write_file_atomic(dir + "/tokenizer.json", tokenizer_json);
  ChatTemplate ct = ChatTemplate::deepseek_r1();
  ct.bos = opt.bos;
  ct.eos = opt.eos;
  json cfg = {{"add_bos_token", false},
              {"add_eos_token", false},
              {"bos_token", opt.bos},
              {"eos_token", opt.eos},
              {"pad_token", opt.pad},
              {"unk_token", nullptr},
              {"clean_up_tokenization_spaces", false},
              {"model_max_length", 131072},
              {"tokenizer_class", "PreTrainedTokenizerFast"},
              {"chat_template", ct.to_jinja()}};
  write_file_atomic(dir + "/tokenizer_config.json", cfg.dump(2) + "\n");
}

}  // namespace r1
