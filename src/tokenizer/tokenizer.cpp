// Loading tokenizer.json and BPE encode/decode (see tokenizer.h).
//
// Encode: added tokens (leftmost-longest, raw text) -> normalizer (none / NFC)
// on the text between them -> pre-tokenizer pieces -> byte-level BPE per piece
// (merge the lowest-rank adjacent pair, leftmost first, as HF's Word::merge_all).
#include "tokenizer/tokenizer.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "base/error.h"
#include "base/json.h"
#include "base/threads.h"
#include "base/utf8.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/fast_json.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/unicode.h"

namespace r1 {

using tok::JVal;

namespace {

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 1469598103934665603ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  for (; i < s.size(); i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
  h ^= h >> 32;
  return h * 0xD6E8FEB86659FD93ull;
}

// Open-addressing map from strings (owned elsewhere, stable) to ids. Keys up to
// 16 bytes are copied into the slot, so most lookups touch one cache line.
class StrIdMap {
 public:
  void init(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }
  void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & mask_]); }
  // Returns false if key already present.
  bool insert(const std::string* key, int32_t id) { return insert(key, id, hash_bytes(*key)); }
  bool insert(const std::string* key, int32_t id, uint64_t h) {
    size_t i = h & mask_;
    while (slots_[i].id >= 0) {
      if (eq(slots_[i], h, *key)) return false;
      i = (i + 1) & mask_;
    }
    Slot& s = slots_[i];
    s.h = h;
    s.id = id;
    s.len = (uint32_t)key->size();
    if (key->size() <= 16) memcpy(s.in, key->data(), key->size());
    else s.ptr = key;
    return true;
  }
  int32_t find(std::string_view key) const { return slots_.empty() ? -1 : find(key, hash_bytes(key)); }
  int32_t find(std::string_view key, uint64_t h) const {
    size_t i = h & mask_;
    while (slots_[i].id >= 0) {
      if (eq(slots_[i], h, key)) return slots_[i].id;
      i = (i + 1) & mask_;
    }
    return -1;
  }

 private:
  struct Slot {
    uint64_t h = 0;
    int32_t id = -1;
    uint32_t len = 0;
    union {
      char in[16];
      const std::string* ptr;
    };
    Slot() : in{} {}
  };
  static bool eq(const Slot& s, uint64_t h, std::string_view k) {
    if (s.h != h || s.len != k.size()) return false;
    return k.size() <= 16 ? memcmp(s.in, k.data(), k.size()) == 0 : *s.ptr == k;
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// (left id, right id) -> (rank, merged id).
class PairMap {
 public:
  void init(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    slots_.assign(cap, {~0ull, 0, 0});
    mask_ = cap - 1;
  }
  static uint64_t key(int32_t a, int32_t b) { return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b; }
  static size_t h(uint64_t k) { return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20); }
  bool insert(int32_t a, int32_t b, int32_t rank, int32_t id) {
    uint64_t k = key(a, b);
    size_t i = h(k) & mask_;
    while (slots_[i].k != ~0ull) {
      if (slots_[i].k == k) return false;
      i = (i + 1) & mask_;
    }
    slots_[i] = {k, rank, id};
    return true;
  }
  // Returns rank (INT32_MAX if no merge) and sets id.
  int32_t find(int32_t a, int32_t b, int32_t& id) const {
    uint64_t k = key(a, b);
    size_t i = h(k) & mask_;
    while (slots_[i].k != ~0ull) {
      if (slots_[i].k == k) {
        id = slots_[i].id;
        return slots_[i].rank;
      }
      i = (i + 1) & mask_;
    }
    return INT32_MAX;
  }

 private:
  struct Slot {
    uint64_t k;
    int32_t rank, id;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

struct TrieNode {
  std::vector<std::pair<uint8_t, int32_t>> next;  // sorted by byte
  int32_t token = -1;                             // added-token id ending here
};

std::string dirname_of(const std::string& p) {
  auto d = std::filesystem::path(p).parent_path().string();
  return d.empty() ? "." : d;
}

bool flag(const JVal& o, const char* key, bool def) {
  const JVal* v = o.get(key);
  return (v && v->type == JVal::Bool) ? v->b : def;
}

}  // namespace

struct Tokenizer::Impl {
  std::string path;
  std::vector<std::string> sym;       // id -> token as in tokenizer.json (byte-level form for vocab)
  std::vector<std::string> bytes;     // id -> bytes it decodes to
  std::vector<uint8_t> special, present;
  StrIdMap vocab;                     // byte-level symbol string -> id (model vocab only)
  StrIdMap added_map;                 // added content -> id
  PairMap merges;
  int32_t byte_id[256];
  bool ignore_merges = false;
  bool nfc = false;
  tok::PreTokenizer pre;
  std::vector<AddedToken> added;
  std::vector<TrieNode> trie;
  bool first_byte[256] = {};
  int32_t bos = -1, eos = -1, pad = -1;
  std::string chat_template;
  uint64_t serial = 0;

  void bpe(std::string_view piece, std::vector<int32_t>& out) const;
  void encode_segment(std::string_view seg, std::vector<int32_t>& out) const;
  size_t match_added(std::string_view text, size_t i, int32_t& id) const;
};

namespace {

[[noreturn]] void bad(const std::string& what, const std::string& msg) { fail(what, ": ", msg); }

const JVal& need(const JVal& o, const char* key, const std::string& what, const char* ctx) {
  const JVal* v = o.get(key);
  if (!v) bad(what, str(ctx, key, " is missing"));
  return *v;
}

void parse_pre_tokenizer(const JVal& pt, tok::PreTokenizer& pre, const std::string& what) {
  if (pt.is_null()) return;
  const JVal* type = pt.get("type");
  if (!type || type->type != JVal::Str) bad(what, "pre_tokenizer has no type");
  std::string_view t = type->str;
  if (t == "Sequence") {
    const JVal* list = pt.get("pretokenizers");
    if (!list || list->type != JVal::Arr) bad(what, "pre_tokenizer Sequence has no pretokenizers array");
    for (auto& s : list->items()) parse_pre_tokenizer(s, pre, what);
  } else if (t == "Split") {
    const JVal* pat = pt.get("pattern");
    const JVal* re = pat ? pat->get("Regex") : nullptr;
    if (!re || re->type != JVal::Str)
      bad(what, "pre_tokenizer Split: only {\"Regex\": ...} patterns are supported");
    const JVal* beh = pt.get("behavior");
    if (!beh || beh->type != JVal::Str || beh->str != "Isolated")
      bad(what, str("pre_tokenizer Split: behavior '", beh && beh->type == JVal::Str ? beh->str : "?",
                    "' is not supported (only Isolated)"));
    if (flag(pt, "invert", false)) bad(what, "pre_tokenizer Split: invert=true is not supported");
    tok::SplitRule r;
    if (!tok::split_rule_from_regex(re->str, r))
      bad(what, str("pre_tokenizer Split: regex not supported (not one of the DeepSeek/Qwen2/Llama3/GPT-2 patterns): ",
                    re->str));
    pre.steps.push_back(r);
  } else if (t == "ByteLevel") {
    if (flag(pt, "add_prefix_space", false))
      bad(what, "pre_tokenizer ByteLevel: add_prefix_space=true is not supported");
    if (flag(pt, "use_regex", true)) pre.steps.push_back(tok::SplitRule::GPT2);
  } else {
    bad(what, str("pre_tokenizer type '", t, "' is not supported"));
  }
}

void parse_normalizer(const JVal& n, bool& nfc, const std::string& what) {
  if (n.is_null()) return;
  const JVal* type = n.get("type");
  if (!type || type->type != JVal::Str) bad(what, "normalizer has no type");
  if (type->str == "Sequence") {
    const JVal* list = n.get("normalizers");
    if (!list || list->type != JVal::Arr) bad(what, "normalizer Sequence has no normalizers array");
    for (auto& s : list->items()) parse_normalizer(s, nfc, what);
  } else if (type->str == "NFC") {
    nfc = true;
  } else {
    bad(what, str("normalizer type '", type->str, "' is not supported (only NFC)"));
  }
}

// bos/eos/pad from tokenizer_config.json: a string or {"content": ...}.
std::string config_token(const json& cfg, const char* key) {
  if (!cfg.is_object() || !cfg.contains(key)) return "";
  const json& v = cfg[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return "";
}

std::atomic<uint64_t> g_serial{1};

}  // namespace

Tokenizer Tokenizer::from_json(std::string_view text, const std::string& what, std::string_view config_text) {
  auto im = std::make_shared<Impl>();
  Impl& m = *im;
  m.serial = g_serial++;
  std::unique_ptr<tok::JDoc> doc = tok::parse_json(std::string(text), what);
  const JVal& root = doc->root;
  if (root.type != JVal::Obj) bad(what, "top level is not an object");

  const JVal* model = root.get("model");
  if (!model || model->type != JVal::Obj) bad(what, "model is missing");
  const JVal* mtype = model->get("type");
  if (mtype && mtype->type == JVal::Str && mtype->str != "BPE")
    bad(what, str("model.type '", mtype->str, "' is not supported (only BPE)"));
  if (!mtype && !model->get("merges")) bad(what, "model.type is missing");
  auto null_or_empty = [&](const char* k) {
    const JVal* v = model->get(k);
    return !v || v->is_null() || (v->type == JVal::Str && v->str.empty());
  };
  if (!null_or_empty("continuing_subword_prefix") || !null_or_empty("end_of_word_suffix"))
    bad(what, "model: continuing_subword_prefix/end_of_word_suffix are not supported");
  if (flag(*model, "byte_fallback", false)) bad(what, "model.byte_fallback=true is not supported");
  if (const JVal* d = model->get("dropout"); d && d->type == JVal::Num && d->num > 0)
    bad(what, "model.dropout is not supported");
  m.ignore_merges = flag(*model, "ignore_merges", false);

  const JVal& vocab = need(*model, "vocab", what, "model.");
  if (vocab.type != JVal::Obj) bad(what, "model.vocab is not an object");
  const JVal* added = root.get("added_tokens");
  int32_t max_id = -1;
  for (size_t i = 0; i < vocab.size(); i++) {
    const JVal& v = vocab[i];
    if (v.type != JVal::Num || v.num < 0 || v.num > 1e8 || v.num != (int32_t)v.num)
      bad(what, str("model.vocab: id of '", vocab.key(i), "' is not a non-negative integer"));
    max_id = std::max(max_id, (int32_t)v.num);
  }
  if (added && added->type == JVal::Arr)
    for (auto& a : added->items()) {
      const JVal* id = a.get("id");
      if (!id || id->type != JVal::Num || id->num < 0 || id->num > 1e8) bad(what, "added_tokens: entry without a valid id");
      max_id = std::max(max_id, (int32_t)id->num);
    }
  size_t n = (size_t)(max_id + 1);
  m.sym.resize(n);
  m.bytes.resize(n);
  m.special.assign(n, 0);
  m.present.assign(n, 0);
  for (size_t i = 0; i < vocab.size(); i++) {
    int32_t id = (int32_t)vocab[i].num;
    if (m.present[id]) bad(what, str("model.vocab: id ", id, " is used twice"));
    m.present[id] = 1;
    m.sym[id] = vocab.key(i);
  }
  m.vocab.init(vocab.size());
  {
    // Hash first, then insert with the slot of entry i+16 prefetched (the
    // inserts are cache-miss bound).
    std::vector<uint64_t> hs(vocab.size());
    for (size_t i = 0; i < vocab.size(); i++) hs[i] = hash_bytes(vocab.key(i));
    for (size_t i = 0; i < vocab.size(); i++) {
      if (i + 16 < vocab.size()) m.vocab.prefetch(hs[i + 16]);
      int32_t id = (int32_t)vocab[i].num;
      if (!m.vocab.insert(&m.sym[id], id, hs[i])) bad(what, str("model.vocab: token '", vocab.key(i), "' appears twice"));
    }
  }
  for (int b = 0; b < 256; b++) {
    m.byte_id[b] = m.vocab.find(tok::byte_symbol((uint8_t)b));
    if (m.byte_id[b] < 0)
      bad(what, str("model.vocab lacks the byte-level symbol for byte ", b, " (not a byte-level BPE vocab)"));
  }

  const JVal* merges = model->get("merges");
  if (!merges) bad(what, "model.merges is missing");
  if (merges->type != JVal::Arr) bad(what, "model.merges is not an array");
  // Resolving merges is ~400k random hash probes (memory-latency bound): split
  // it over threads, then insert in rank order.
  const size_t nm = merges->size();
  std::vector<int32_t> mid(nm * 3);
  std::vector<std::string> merr(std::max(1, r1::num_threads()));
#pragma omp parallel num_threads(std::max(1, r1::num_threads()))
  {
    std::string err;
    const size_t nth = omp_get_num_threads(), th = omp_get_thread_num();
    const size_t lo = nm * th / nth, hi = nm * (th + 1) / nth;
    constexpr size_t kB = 16;  // batch: hash + prefetch 3*kB slots, then probe
    std::string_view av[kB], bv[kB];
    std::string cat[kB];
    uint64_t h[3 * kB];
    for (size_t r0 = lo; r0 < hi && err.empty(); r0 += kB) {
      size_t nb = std::min(kB, hi - r0);
      for (size_t k = 0; k < nb && err.empty(); k++) {
        size_t r = r0 + k;
        const JVal& e = (*merges)[r];
        if (e.type == JVal::Str) {
          size_t sp = e.str.find(' ');
          if (sp == std::string::npos || e.str.find(' ', sp + 1) != std::string::npos) {
            err = str("model.merges[", r, "] '", e.str, "' is not two symbols separated by one space");
            break;
          }
          av[k] = e.str.substr(0, sp);
          bv[k] = e.str.substr(sp + 1);
        } else if (e.type == JVal::Arr && e.size() == 2 && e[0].type == JVal::Str && e[1].type == JVal::Str) {
          av[k] = e[0].str;
          bv[k] = e[1].str;
        } else {
          err = str("model.merges[", r, "] is neither \"a b\" nor [\"a\", \"b\"]");
          break;
        }
        cat[k].assign(av[k]);
        cat[k].append(bv[k]);
        h[3 * k] = hash_bytes(av[k]);
        h[3 * k + 1] = hash_bytes(bv[k]);
        h[3 * k + 2] = hash_bytes(cat[k]);
        m.vocab.prefetch(h[3 * k]);
        m.vocab.prefetch(h[3 * k + 1]);
        m.vocab.prefetch(h[3 * k + 2]);
      }
      if (!err.empty()) break;
      for (size_t k = 0; k < nb; k++) {
        size_t r = r0 + k;
        int32_t ia = m.vocab.find(av[k], h[3 * k]), ib = m.vocab.find(bv[k], h[3 * k + 1]);
        int32_t ic = m.vocab.find(cat[k], h[3 * k + 2]);
        if (ia < 0) err = str("model.merges[", r, "] names unknown symbol '", av[k], "'");
        else if (ib < 0) err = str("model.merges[", r, "] names unknown symbol '", bv[k], "'");
        else if (ic < 0) err = str("model.merges[", r, "] result '", cat[k], "' is not in the vocab");
        if (!err.empty()) break;
        mid[3 * r] = ia, mid[3 * r + 1] = ib, mid[3 * r + 2] = ic;
      }
    }
    if (!err.empty()) merr[omp_get_thread_num()] = err;
  }
  for (auto& e : merr)
    if (!e.empty()) bad(what, e);  // first thread's error = lowest merge index among failures
  m.merges.init(nm);
  for (size_t r = 0; r < nm; r++)
    m.merges.insert(mid[3 * r], mid[3 * r + 1], (int32_t)r, mid[3 * r + 2]);  // a duplicate keeps its first rank, as HF

  if (const JVal* nm = root.get("normalizer")) parse_normalizer(*nm, m.nfc, what);
  if (const JVal* pt = root.get("pre_tokenizer")) parse_pre_tokenizer(*pt, m.pre, what);
  const JVal* dec = root.get("decoder");
  if (!dec || dec->is_null()) bad(what, "decoder is missing (a ByteLevel decoder is required)");
  const JVal* dtype = dec->get("type");
  if (!dtype || dtype->type != JVal::Str || dtype->str != "ByteLevel")
    bad(what, str("decoder type '", dtype && dtype->type == JVal::Str ? dtype->str : "?",
                  "' is not supported (only ByteLevel)"));

  // Added tokens.
  if (added && added->type == JVal::Arr) {
    m.added_map.init(added->size() + 1);
    m.added.reserve(added->size());
    for (auto& a : added->items()) {
      const JVal* c = a.get("content");
      if (!c || c->type != JVal::Str || c->str.empty()) bad(what, "added_tokens: entry without content");
      if (flag(a, "lstrip", false) || flag(a, "rstrip", false) || flag(a, "single_word", false))
        bad(what, str("added_tokens: '", c->str, "' uses lstrip/rstrip/single_word, which is not supported"));
      AddedToken t{(int32_t)a.get("id")->num, std::string(c->str), flag(a, "special", false), flag(a, "normalized", false)};
      if (!m.sym[t.id].empty() && m.sym[t.id] != t.content)
        bad(what, str("added_tokens: id ", t.id, " is '", t.content, "' but the vocab has '", m.sym[t.id], "'"));
      m.sym[t.id] = t.content;
      m.present[t.id] = 1;
      m.special[t.id] = t.special;
      m.added.push_back(std::move(t));
    }
    for (auto& t : m.added) m.added_map.insert(&m.sym[t.id], t.id);
    m.trie.emplace_back();
    for (auto& t : m.added) {
      int32_t node = 0;
      for (unsigned char ch : t.content) {
        auto& nx = m.trie[node].next;
        auto it = std::lower_bound(nx.begin(), nx.end(), ch, [](auto& p, uint8_t c) { return p.first < c; });
        if (it != nx.end() && it->first == ch) {
          node = it->second;
        } else {
          int32_t nn = (int32_t)m.trie.size();
          nx.insert(it, {ch, nn});
          m.trie.emplace_back();
          node = nn;
        }
      }
      m.trie[node].token = t.id;
      m.first_byte[(uint8_t)t.content[0]] = true;
    }
  }
  // Decoded bytes: symbols mapped back through bytes_to_unicode; a token with
  // any other character decodes to its own UTF-8 (HF ByteLevel decoder).
  for (size_t id = 0; id < n; id++)
    if (!tok::symbols_to_bytes(m.sym[id], m.bytes[id])) m.bytes[id] = m.sym[id];

  // Special ids from tokenizer_config.json, else from the names DeepSeek/Llama use.
  if (!config_text.empty()) {
    json cfg;
    try {
      cfg = json::parse(config_text);
    } catch (const std::exception& e) {
      fail(what, ": tokenizer_config.json: ", e.what());
    }
    auto id_of = [&](const char* key) {
      std::string s = config_token(cfg, key);
      if (s.empty()) return -1;
      int32_t i = m.added_map.find(s);
      return i >= 0 ? i : m.vocab.find(s);
    };
    m.bos = id_of("bos_token");
    m.eos = id_of("eos_token");
    m.pad = id_of("pad_token");
    if (cfg.contains("chat_template") && cfg["chat_template"].is_string())
      m.chat_template = cfg["chat_template"].get<std::string>();
  }
  auto first_of = [&](std::initializer_list<const char*> names) {
    for (const char* s : names) {
      int32_t i = m.added_map.find(s);
      if (i >= 0) return i;
    }
    return -1;
  };
  if (m.bos < 0) m.bos = first_of({"<｜begin▁of▁sentence｜>", "<|begin_of_text|>", "<s>"});
  if (m.eos < 0) m.eos = first_of({"<｜end▁of▁sentence｜>", "<|end_of_text|>", "<|endoftext|>", "</s>"});
  if (m.pad < 0) m.pad = first_of({"<｜▁pad▁｜>", "<pad>"});

  Tokenizer t;
  t.impl_ = std::move(im);
  return t;
}

Tokenizer Tokenizer::load(const std::string& path) {
  std::string file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) file = (std::filesystem::path(path) / "tokenizer.json").string();
  R1_CHECK(std::filesystem::exists(file, ec), file, ": no such file");
  std::string text = read_text_file(file);
  std::string cfg_path = (std::filesystem::path(dirname_of(file)) / "tokenizer_config.json").string();
  std::string cfg = std::filesystem::exists(cfg_path, ec) ? read_text_file(cfg_path) : "";
  Tokenizer t = from_json(text, file, cfg);
  const_cast<Impl&>(*t.impl_).path = file;
  return t;
}

const Tokenizer::Impl& Tokenizer::impl() const {
  R1_CHECK(impl_, "tokenizer: used before load()");
  return *impl_;
}

// ---- encoding ----

size_t Tokenizer::Impl::match_added(std::string_view s, size_t i, int32_t& id) const {
  size_t best = 0;
  int32_t node = 0;
  for (size_t k = i; k < s.size(); k++) {
    auto& nx = trie[node].next;
    uint8_t ch = (uint8_t)s[k];
    auto it = std::lower_bound(nx.begin(), nx.end(), ch, [](auto& p, uint8_t c) { return p.first < c; });
    if (it == nx.end() || it->first != ch) break;
    node = it->second;
    if (trie[node].token >= 0) {
      best = k + 1 - i;
      id = trie[node].token;
    }
  }
  return best;
}

namespace {
struct Sym {
  int32_t id, prev, next;
};
// Per-thread piece -> ids cache (open addressing, no allocation per lookup);
// cleared when half full or when another tokenizer uses the thread.
struct PieceCache {
  struct Slot {
    uint64_t h = 0;  // 0: empty
    uint32_t koff, klen, ioff, ilen;
  };
  static constexpr size_t kCap = 1 << 17;
  uint64_t owner = 0;
  size_t used = 0;
  std::vector<Slot> slots;
  std::string keys;
  std::vector<int32_t> ids;
  void reset(uint64_t o) {
    if (slots.empty()) slots.resize(kCap);
    else std::fill(slots.begin(), slots.end(), Slot());
    keys.clear();
    ids.clear();
    used = 0;
    owner = o;
  }
  const Slot* find(std::string_view k, uint64_t h) const {
    for (size_t i = h & (kCap - 1);; i = (i + 1) & (kCap - 1)) {
      const Slot& s = slots[i];
      if (s.h == 0) return nullptr;
      if (s.h == h && s.klen == k.size() && memcmp(keys.data() + s.koff, k.data(), k.size()) == 0) return &s;
    }
  }
  void insert(std::string_view k, uint64_t h, const int32_t* v, size_t n) {
    if (used * 2 >= kCap || keys.size() > (16u << 20)) reset(owner);
    size_t i = h & (kCap - 1);
    while (slots[i].h != 0) i = (i + 1) & (kCap - 1);
    slots[i] = {h, (uint32_t)keys.size(), (uint32_t)k.size(), (uint32_t)ids.size(), (uint32_t)n};
    keys.append(k);
    ids.insert(ids.end(), v, v + n);
    used++;
  }
};
// Two per thread, so alternating between two tokenizers does not thrash.
thread_local PieceCache t_caches[2];
thread_local unsigned t_cache_next = 0;
PieceCache& cache_for(uint64_t serial) {
  for (auto& c : t_caches)
    if (c.owner == serial) return c;
  PieceCache& c = t_caches[t_cache_next++ & 1];
  c.reset(serial);
  return c;
}
thread_local std::vector<Sym> t_syms;
}  // namespace

void Tokenizer::Impl::bpe(std::string_view piece, std::vector<int32_t>& out) const {
  if (piece.size() == 1) {
    out.push_back(byte_id[(uint8_t)piece[0]]);
    return;
  }
  const bool cacheable = piece.size() <= 256;
  uint64_t h = 0;
  PieceCache* cache = nullptr;
  if (cacheable) {
    cache = &cache_for(serial);
    h = hash_bytes(piece) | 1;
    if (const PieceCache::Slot* c = cache->find(piece, h)) {
      const int32_t* p = cache->ids.data() + c->ioff;
      out.insert(out.end(), p, p + c->ilen);
      return;
    }
  }
  size_t start = out.size();
  int32_t whole = -1;
  if (ignore_merges) {
    std::string s;
    tok::bytes_to_symbols(piece, s);
    whole = vocab.find(s);
  }
  if (whole >= 0) {
    out.push_back(whole);
  } else {
    std::vector<Sym>& sy = t_syms;
    size_t n = piece.size();
    sy.resize(n);
    for (size_t i = 0; i < n; i++) sy[i] = {byte_id[(uint8_t)piece[i]], (int32_t)i - 1, i + 1 < n ? (int32_t)i + 1 : -1};
    if (n <= 48) {
      // Few symbols: rescan for the best pair each round.
      while (true) {
        int32_t best_rank = INT32_MAX, best_pos = -1, best_id = -1;
        for (int32_t i = 0; i >= 0 && sy[i].next >= 0; i = sy[i].next) {
          int32_t nid;
          int32_t r = merges.find(sy[i].id, sy[sy[i].next].id, nid);
          if (r < best_rank) best_rank = r, best_pos = i, best_id = nid;
        }
        if (best_pos < 0) break;
        int32_t j = sy[best_pos].next;
        sy[best_pos].id = best_id;
        sy[best_pos].next = sy[j].next;
        if (sy[j].next >= 0) sy[sy[j].next].prev = best_pos;
      }
    } else {
      // Long pieces: min-heap of (rank, pos) with lazy invalidation.
      struct Cand {
        int32_t rank, pos, left, right, id;
        bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
      };
      std::vector<Cand> heap;
      auto push = [&](int32_t i) {
        if (i < 0) return;
        int32_t j = sy[i].next;
        if (j < 0) return;
        int32_t nid;
        int32_t r = merges.find(sy[i].id, sy[j].id, nid);
        if (r != INT32_MAX) {
          heap.push_back({r, i, sy[i].id, sy[j].id, nid});
          std::push_heap(heap.begin(), heap.end(), std::greater<Cand>());
        }
      };
      for (int32_t i = 0; i + 1 < (int32_t)n; i++) push(i);
      while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<Cand>());
        Cand c = heap.back();
        heap.pop_back();
        int32_t i = c.pos, j = sy[i].next;
        if (sy[i].id != c.left || j < 0 || sy[j].id != c.right || sy[i].id == -2) continue;
        sy[i].id = c.id;
        sy[i].next = sy[j].next;
        if (sy[j].next >= 0) sy[sy[j].next].prev = i;
        sy[j].id = -2;  // dead
        if (sy[i].prev >= 0) push(sy[i].prev);
        push(i);
      }
    }
    for (int32_t i = 0; i >= 0; i = sy[i].next) out.push_back(sy[i].id);
  }
  if (cache) cache->insert(piece, h, out.data() + start, out.size() - start);
}

void Tokenizer::Impl::encode_segment(std::string_view seg, std::vector<int32_t>& out) const {
  if (seg.empty()) return;
  std::string normalized;
  if (nfc) {
    normalized = unicode::nfc(seg);
    seg = normalized;
  }
  thread_local std::vector<tok::Piece> pieces;
  pre.split(seg, pieces);
  for (const tok::Piece& p : pieces) bpe(seg.substr(p.begin, p.end - p.begin), out);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_bos) const {
  const Impl& m = impl();
  size_t bad_at = utf8_invalid_at(text);
  if (bad_at != std::string_view::npos) fail("encode: invalid UTF-8 at byte ", bad_at);
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos && m.bos >= 0) out.push_back(m.bos);
  if (m.added.empty()) {
    m.encode_segment(text, out);
    return out;
  }
  size_t seg = 0;
  for (size_t i = 0; i < text.size();) {
    if (!m.first_byte[(uint8_t)text[i]]) {
      i++;
      continue;
    }
    int32_t id;
    size_t len = m.match_added(text, i, id);
    if (len == 0) {
      i++;
      continue;
    }
    m.encode_segment(text.substr(seg, i - seg), out);
    out.push_back(id);
    i += len;
    seg = i;
  }
  m.encode_segment(text.substr(seg), out);
  return out;
}

std::vector<std::vector<int32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts, bool add_bos) const {
  std::vector<std::vector<int32_t>> out(texts.size());
  std::string err;
  int nt = r1::num_threads();
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
  for (long i = 0; i < (long)texts.size(); i++) {
    try {
      out[i] = encode(texts[i], add_bos);
    } catch (const std::exception& e) {
#pragma omp critical
      if (err.empty()) err = str("text ", i, ": ", e.what());
    }
  }
  if (!err.empty()) fail(err);
  return out;
}

// ---- decoding and lookups ----

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  const Impl& m = impl();
  std::string raw;
  for (int32_t id : ids) {
    if (id < 0 || (size_t)id >= m.sym.size() || !m.present[id])
      fail("decode: token id ", id, " is out of range (vocab size ", m.sym.size(), ")");
    if (skip_special && m.special[id]) continue;
    raw += m.bytes[id];
  }
  return unicode::utf8_lossy(raw);
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  const Impl& m = impl();
  int32_t i = m.added_map.find(token);
  return i >= 0 ? i : m.vocab.find(token);
}
std::string Tokenizer::id_to_token(int32_t id) const {
  const Impl& m = impl();
  return valid_id(id) ? m.sym[id] : std::string();
}
int32_t Tokenizer::vocab_size() const { return (int32_t)impl().sym.size(); }
int32_t Tokenizer::bos_id() const { return impl().bos; }
int32_t Tokenizer::eos_id() const { return impl().eos; }
int32_t Tokenizer::pad_id() const { return impl().pad; }
bool Tokenizer::valid_id(int32_t id) const {
  const Impl& m = impl();
  return id >= 0 && (size_t)id < m.sym.size() && m.present[id];
}
bool Tokenizer::is_special(int32_t id) const { return valid_id(id) && impl().special[id]; }
const std::string& Tokenizer::token_bytes(int32_t id) const {
  R1_CHECK(valid_id(id), "token id ", id, " is out of range (vocab size ", vocab_size(), ")");
  return impl().bytes[id];
}
const std::vector<AddedToken>& Tokenizer::added_tokens() const { return impl().added; }
const std::string& Tokenizer::chat_template_source() const { return impl().chat_template; }
const std::string& Tokenizer::path() const { return impl().path; }

// ---- streaming ----

std::string StreamDecoder::push(int32_t id) {
  if (!(skip_ && tok_->is_special(id))) pending_ += tok_->token_bytes(id);
  size_t k = unicode::utf8_complete_prefix(pending_);
  std::string out = unicode::utf8_lossy(std::string_view(pending_).substr(0, k));
  pending_.erase(0, k);
  return out;
}

std::string StreamDecoder::finish() {
  std::string out = unicode::utf8_lossy(pending_);
  pending_.clear();
  return out;
}

}  // namespace r1
