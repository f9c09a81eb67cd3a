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


CharVocab CharVocab::train(const std::vector<std::string>& corpus) {
  std::set<unsigned char> bytes = {'?', ' '};
  for (auto& doc : corpus) {
    std::string s = doc;
    for (auto& sp : specials())
      for (size_t p; (p = s.find(sp)) != std::string::npos;) s.erase(p, sp.size());
    for (unsigned char c : s) bytes.insert(c);
  }
  std::vector<std::string> pieces = specials();
  for (unsigned char c : bytes) pieces.push_back(std::string(1, (char)c));
  CharVocab v;
  v.pieces_ = pieces;
  std::fill(std::begin(v.byte_to_id_), std::end(v.byte_to_id_), -1);
  for (size_t i = specials().size(); i < pieces.size(); i++) v.byte_to_id_[(unsigned char)pieces[i][0]] = (int)i;
  return v;
}

CharVocab CharVocab::load(const std::string& path) {
  json j = read_json_file(path);
  R1_CHECK(j.is_object() && j.contains("pieces") && j["pieces"].is_array(), path, ": expected {\"pieces\": [...]}");
  CharVocab v;
  std::fill(std::begin(v.byte_to_id_), std::end(v.byte_to_id_), -1);
  for (auto& p : j["pieces"]) {
    R1_CHECK(p.is_string(), path, ": pieces must be strings");
    v.pieces_.push_back(p.get<std::string>());
  }
  R1_CHECK(v.pieces_.size() > specials().size(), path, ": vocabulary too small");
  for (size_t i = 0; i < specials().size(); i++)
    R1_CHECK(v.pieces_[i] == specials()[i], path, ": special token ", i, " must be ", specials()[i]);
  for (size_t i = specials().size(); i < v.pieces_.size(); i++) {
    R1_CHECK(v.pieces_[i].size() == 1, path, ": piece ", i, " is not a single byte");
    v.byte_to_id_[(unsigned char)v.pieces_[i][0]] = (int)i;
  }
  return v;
}

void CharVocab::save(const std::string& path) const {
  json j = {{"type", "char"}, {"pieces", pieces_}};
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
