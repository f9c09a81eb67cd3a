#include "train/corpus.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/rng.h"
#include "base/utf8.h"
#include "data/shards.h"

#if __has_include("tokenizer/tokenizer.h")
#include "tokenizer/tokenizer.h"
#define R1_TRAIN_HAVE_TOKENIZER 1
#endif

namespace fs = std::filesystem;

namespace r1::train {

std::vector<std::string> read_jsonl_docs(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  R1_CHECK(f, path, ": cannot open the dataset");
  std::vector<std::string> out;
  std::string line;
  int64_t ln = 0;
  while (std::getline(f, line)) {
    ++ln;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string t = jsonl_string(parse_jsonl_line(line, path, (size_t)ln), "text", path, (size_t)ln);
    if (!t.empty()) out.push_back(std::move(t));
  }
  R1_CHECK(!out.empty(), path, ": empty dataset (no non-empty \"text\" documents)");
  return out;
}

TextCodec byte_codec() {
  TextCodec c;
  c.name = "bytes";
  c.vocab_size = 262;
  c.bos = 256;
  c.eos = 257;
  c.pad = 258;
  c.fim = {259, 260, 261};
  c.encode = [](std::string_view s) {
    std::vector<int32_t> v(s.size());
    for (size_t i = 0; i < s.size(); ++i) v[i] = (unsigned char)s[i];
    return v;
  };
  c.decode = [](const std::vector<int32_t>& ids) {
    std::string s;
    for (auto i : ids)
      if (i >= 0 && i < 256) s += (char)i;
    return s;
  };
  return c;
}

TextCodec load_codec(const std::string& spec) {
  if (spec == "bytes") return byte_codec();
#ifdef R1_TRAIN_HAVE_TOKENIZER
  auto tok = std::make_shared<Tokenizer>(Tokenizer::load(spec));
  TextCodec c;
  c.name = spec;
  c.vocab_size = tok->vocab_size();
  c.bos = tok->bos_id();
  c.eos = tok->eos_id();
  c.pad = tok->pad_id() >= 0 ? tok->pad_id() : std::max(0, c.eos);
  c.fim = {tok->token_to_id(data::kFimBegin), tok->token_to_id(data::kFimHole), tok->token_to_id(data::kFimEnd)};
  c.encode = [tok](std::string_view s) { return tok->encode(s, false); };
  c.decode = [tok](const std::vector<int32_t>& ids) { return tok->decode(ids, false); };
  return c;
#else
  fail("--tokenizer ", spec, ": this build has no tokenizer layer yet; use --tokenizer bytes");
#endif
}

json CorpusStats::to_json() const {
  auto pk = [](const data::Packed& p) {
    return json{{"rows", p.rows()},      {"row_len", p.L},        {"docs", p.docs},
                {"pieces", p.pieces},    {"truncated_docs", p.truncated_docs}, {"pad_tokens", p.pad_tokens}};
  };
  return {{"docs", docs},         {"train_docs", train_docs}, {"val_docs", val_docs},
          {"fim_docs", fim_docs}, {"tokens", tokens},         {"packing", pk(train_info)},
          {"baseline_packing", pk(baseline_info)}};
}

bool is_val_doc(size_t i, double f) {
  const int64_t every = f > 0 ? std::max<int64_t>(2, (int64_t)std::llround(1.0 / f)) : 0;
  return every && (int64_t)(i % every) == every - 1;
}

CorpusStats build_corpus(const std::vector<std::string>& docs, const TextCodec& codec, const CorpusOptions& o,
                         const std::string& dir) {
  R1_CHECK(!docs.empty(), "corpus: empty dataset");
  Rng rng(o.seed ^ 0xF1F1F1F1ull);
  CorpusStats st;
  st.docs = (int64_t)docs.size();
  std::vector<std::vector<int32_t>> tr, va;
  for (size_t i = 0; i < docs.size(); ++i) {
    const bool is_val = is_val_doc(i, o.val_fraction);
    std::vector<int32_t> t;
    if (codec.bos >= 0) t.push_back(codec.bos);
    // FIM only on training documents, so validation measures plain next-token loss
    auto body = data::fim_encode(docs[i], is_val ? 0.0 : o.fim_rate, rng, codec.fim, codec.encode);
    if (!is_val && o.fim_rate > 0 && !body.empty() && body[0] == codec.fim.begin) ++st.fim_docs;
    t.insert(t.end(), body.begin(), body.end());
    if (codec.eos >= 0) t.push_back(codec.eos);
    st.tokens += (int64_t)t.size();
    (is_val ? va : tr).push_back(std::move(t));
  }
  R1_CHECK(!tr.empty(), "corpus: no training documents after the validation split");
  if (va.empty()) va.push_back(tr.back());  // tiny corpora: validate on the last training document
  st.train_docs = (int64_t)tr.size();
  st.val_docs = (int64_t)va.size();
  auto pack = [&](auto& d, bool bf) {
    return bf ? data::pack_best_fit(d, o.row_len, codec.pad) : data::pack_concat(d, o.row_len, codec.pad);
  };
  data::Packed ptr = pack(tr, o.best_fit), pva = pack(va, o.best_fit);
  fs::create_directories(dir);
  data::write_shard(dir + "/train.bin", ptr);
  data::write_shard(dir + "/val.bin", pva);
  st.train_info = ptr;
  st.train_info.tokens.clear();
  st.train_info.seg.clear();
  st.baseline_info = pack(tr, !o.best_fit);
  st.baseline_info.tokens.clear();
  st.baseline_info.seg.clear();
  st.train_info.L = st.baseline_info.L = o.row_len;
  return st;
}

int64_t gather_text_files(const std::string& root, const std::string& out_jsonl, int64_t max_docs, int64_t max_bytes,
                          double min_letters) {
  R1_CHECK(fs::is_directory(root), root, ": not a directory");
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied);
       it != fs::recursive_directory_iterator(); ++it) {
    std::error_code ec;
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    auto sz = it->file_size(ec);
    if (ec || sz < 200 || (int64_t)sz > max_bytes) continue;
    std::string ext = it->path().extension().string();
    if (ext == ".gz" || ext == ".xz" || ext == ".bz2" || ext == ".png" || ext == ".jpg" || ext == ".gif" ||
        ext == ".pdf" || ext == ".zst")
      continue;
    files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  std::string out;
  int64_t n = 0;
  for (auto& p : files) {
    if (n >= max_docs) break;
    std::string t;
    try {
      t = read_text_file(p);
    } catch (const Error&) {
      continue;
    }
    if (!utf8_valid(t)) continue;
    int64_t printable = 0;
    for (unsigned char c : t) printable += (c >= 32 || c == '\n' || c == '\t');
    if (printable < (int64_t)t.size() * 98 / 100) continue;
    if (min_letters > 0) {
      int64_t letters = 0;
      for (unsigned char c : t) letters += (std::isalpha(c) || c == ' ' || c == '\n');
      if ((double)letters < min_letters * (double)t.size()) continue;
    }
    out += json{{"text", t}}.dump() + "\n";
    ++n;
  }
  R1_CHECK(n > 0, root, ": no plain-text documents found");
  write_file_atomic(out_jsonl, out);
  return n;
}

}  // namespace r1::train
