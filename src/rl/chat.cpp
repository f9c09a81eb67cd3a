#include "rl/chat.h"

#include <algorithm>
#include <set>

#include "base/error.h"
#include "base/json.h"

namespace r1::rl {

const std::vector<std::string>& CharVocab::specials() {
  static const std::vector<std::string> s = {"<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>",
                                             "<｜Assistant｜>", "<think>", "</think>", "<answer>", "</answer>"};
  return s;
}


namespace {

bool is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Length of the word starting at s[i] (an optional space, then letters); 0 if none.
size_t word_len(const std::string& s, size_t i) {
  size_t j = i + (s[i] == ' ' ? 1 : 0);
  size_t k = j;
  while (k < s.size() && is_letter((unsigned char)s[k])) k++;
  return k > j ? k - i : 0;
}

}  // namespace

CharVocab CharVocab::train(const std::vector<std::string>& corpus, int n_merges) {
  std::set<unsigned char> bytes = {'?', ' '};
  std::map<std::string, int64_t> words;
  for (auto& doc : corpus) {
    std::string s = doc;
    for (auto& sp : specials())
      for (size_t p; (p = s.find(sp)) != std::string::npos;) s.replace(p, sp.size(), "\x01");  // a word boundary
    for (unsigned char c : s)
      if (c != 0x01) bytes.insert(c);
    if (n_merges > 0)
      for (size_t i = 0; i < s.size();) {
        size_t n = word_len(s, i);
        if (n > 1) words[s.substr(i, n)]++;
        i += n ? n : 1;
      }
  }
  std::vector<std::string> pieces = specials();
  for (unsigned char c : bytes) pieces.push_back(std::string(1, (char)c));
  CharVocab v;
  // BPE (Sennrich et al. 2016) over the word counts.
  std::vector<std::pair<std::vector<std::string>, int64_t>> split;
  for (auto& [w, n] : words) {
    std::vector<std::string> sym;
    for (char c : w) sym.push_back(std::string(1, c));
    split.push_back({sym, n});
  }
  for (int m = 0; m < n_merges; m++) {
    std::map<std::pair<std::string, std::string>, int64_t> pairs;
    for (auto& [sym, n] : split)
      for (size_t i = 0; i + 1 < sym.size(); i++) pairs[{sym[i], sym[i + 1]}] += n;
    auto best = pairs.end();
    for (auto it = pairs.begin(); it != pairs.end(); ++it)
      if (best == pairs.end() || it->second > best->second) best = it;  // first max in text order
    if (best == pairs.end() || best->second < 2) break;
    const auto pr = best->first;
    v.merges_.push_back(pr);
    pieces.push_back(pr.first + pr.second);
    for (auto& [sym, n] : split) {
      std::vector<std::string> o;
      for (size_t i = 0; i < sym.size(); i++) {
        if (i + 1 < sym.size() && sym[i] == pr.first && sym[i + 1] == pr.second) {
          o.push_back(pr.first + pr.second);
          i++;
        } else {
          o.push_back(sym[i]);
        }
      }
      sym.swap(o);
    }
  }
  v.pieces_ = pieces;
  v.index_merges();
  return v;
}

void CharVocab::index_merges() {
  std::fill(std::begin(byte_to_id_), std::end(byte_to_id_), -1);
  piece_id_.clear();
  rank_.clear();
  for (size_t i = specials().size(); i < pieces_.size(); i++) {
    if (pieces_[i].size() == 1) byte_to_id_[(unsigned char)pieces_[i][0]] = (int)i;
    else piece_id_[pieces_[i]] = (int)i;
  }
  for (size_t r = 0; r < merges_.size(); r++) rank_[merges_[r]] = (int)r;
}

// BPE encoding of one word: merge the lowest-ranked adjacent pair until none applies.
std::vector<int> CharVocab::encode_word(const std::string& w) const {
  std::vector<std::string> sym;
  for (char c : w) sym.push_back(std::string(1, c));
  for (;;) {
    int best = -1;
    size_t at = 0;
    for (size_t i = 0; i + 1 < sym.size(); i++) {
      auto it = rank_.find({sym[i], sym[i + 1]});
      if (it != rank_.end() && (best < 0 || it->second < best)) best = it->second, at = i;
    }
    if (best < 0) break;
    sym[at] += sym[at + 1];
    sym.erase(sym.begin() + (long)at + 1);
  }
  std::vector<int> out;
  for (auto& p : sym) {
    if (p.size() > 1) {
      out.push_back(piece_id_.at(p));
    } else {
      int id = byte_to_id_[(unsigned char)p[0]];
      if (id < 0) id = byte_to_id_[(unsigned char)'?'];
      if (id >= 0) out.push_back(id);
    }
  }
  return out;
}

CharVocab CharVocab::load(const std::string& path) {
  json j = read_json_file(path);
  R1_CHECK(j.is_object() && j.contains("pieces") && j["pieces"].is_array(), path, ": expected {\"pieces\": [...]}");
  CharVocab v;
  for (auto& p : j["pieces"]) {
    R1_CHECK(p.is_string() && !p.get<std::string>().empty(), path, ": pieces must be non-empty strings");
    v.pieces_.push_back(p.get<std::string>());
  }
  R1_CHECK(v.pieces_.size() > specials().size(), path, ": vocabulary too small");
  for (size_t i = 0; i < specials().size(); i++)
    R1_CHECK(v.pieces_[i] == specials()[i], path, ": special token ", i, " must be ", specials()[i]);
  std::set<std::string> known(v.pieces_.begin(), v.pieces_.end());
  R1_CHECK(known.size() == v.pieces_.size(), path, ": duplicate pieces");
  if (j.contains("merges")) {
    R1_CHECK(j["merges"].is_array(), path, ": 'merges' must be an array of [left, right] pairs");
    for (auto& m : j["merges"]) {
      R1_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), path,
               ": 'merges' entries must be [left, right] string pairs");
      std::pair<std::string, std::string> pr = {m[0].get<std::string>(), m[1].get<std::string>()};
      R1_CHECK(known.count(pr.first) && known.count(pr.second) && known.count(pr.first + pr.second), path, ": merge ['",
               pr.first, "', '", pr.second, "'] uses a piece that is not in the vocabulary");
      v.merges_.push_back(pr);
    }
  }
  size_t multi = 0;
  for (size_t i = specials().size(); i < v.pieces_.size(); i++) multi += v.pieces_[i].size() > 1;
  R1_CHECK(multi == v.merges_.size(), path, ": ", multi, " multi-byte pieces but ", v.merges_.size(),
           " merges (every multi-byte piece must come from a merge)");
  v.index_merges();
  return v;
}

void CharVocab::save(const std::string& path) const {
  json m = json::array();
  for (auto& [a, b] : merges_) m.push_back({a, b});
  json j = {{"type", merges_.empty() ? "char" : "char_bpe"}, {"pieces", pieces_}, {"merges", m}};
  write_file_atomic(path, j.dump());
}

int CharVocab::id(const std::string& piece) const {
  auto it = std::find(pieces_.begin(), pieces_.end(), piece);
  return it == pieces_.end() ? -1 : (int)(it - pieces_.begin());
}

std::vector<int> CharVocab::encode(const std::string& s) const {
  std::vector<int> out;
  const auto& sp = specials();
  for (size_t i = 0; i < s.size();) {
    bool matched = false;
    if (s[i] == '<')
      for (size_t k = 0; k < sp.size(); k++)
        if (s.compare(i, sp[k].size(), sp[k]) == 0) {
          out.push_back((int)k);
          i += sp[k].size();
          matched = true;
          break;
        }
    if (matched) continue;
    if (!merges_.empty()) {
      size_t n = word_len(s, i);
      if (n > 1) {
        auto ids = encode_word(s.substr(i, n));
        out.insert(out.end(), ids.begin(), ids.end());
        i += n;
        continue;
      }
    }
    int id = byte_to_id_[(unsigned char)s[i]];
    if (id < 0) id = byte_to_id_[(unsigned char)'?'];
    if (id >= 0) out.push_back(id);
    i++;
  }
  return out;
}

std::string CharVocab::decode(const std::vector<int>& ids) const {
  std::string s;
  for (int id : ids)
    if (id >= 0 && id < (int)pieces_.size()) s += pieces_[(size_t)id];
  return s;
}

const char* kZeroTemplate =
    "A conversation between User and Assistant. The Assistant first thinks, then answers. The reasoning and "
    "answer are enclosed within <think> </think> and <answer> </answer> tags. User: {q} Assistant:";

std::string render_prompt(Template t, const std::string& q) {
  if (t == Template::Chat) return CharVocab::specials()[0] + CharVocab::specials()[2] + q + CharVocab::specials()[3];
  std::string s = kZeroTemplate;
  s.replace(s.find("{q}"), 3, q);
  return CharVocab::specials()[0] + s;
}

std::string render_response(const std::string& reasoning, const std::string& answer) {
  return "<think>" + reasoning + "</think><answer>" + answer + "</answer>";
}

Encoded encode_example(const CharVocab& v, Template t, const std::string& q, const std::string& response) {
  Encoded e;
  e.tokens = v.encode(render_prompt(t, q));
  e.prompt_len = (int)e.tokens.size();
  std::vector<int> r = v.encode(response);
  r.push_back(v.eos());
  e.tokens.insert(e.tokens.end(), r.begin(), r.end());
  e.loss_mask.assign(e.tokens.size(), 0);
  for (size_t i = (size_t)e.prompt_len; i < e.tokens.size(); i++) e.loss_mask[i] = 1;
  return e;
}

}  // namespace r1::rl
