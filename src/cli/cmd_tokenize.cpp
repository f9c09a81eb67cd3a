// Commands: tokenize (JSONL text -> JSONL ids), detokenize (the reverse) and
// train-tokenizer (byte-level BPE from text/JSONL files -> tokenizer folder).
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/json.h"
#include "base/utf8.h"
#include "cli/common.h"
#include "cli/registry.h"
#include "data/jsonl.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/fast_json.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/train_bpe.h"

using namespace r1;

namespace {

constexpr size_t kBatch = 4096;  // lines encoded in parallel per round

std::ifstream open_in(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  R1_CHECK(f.good(), path, ": cannot open");
  return f;
}

// The "text" of a JSONL line; errors name file and line.
std::string text_of_line(const std::string& line, const std::string& file, size_t lineno) {
  return jsonl_string(parse_jsonl_line(line, file, lineno), "text", file, lineno);
}

// --chat: a {"messages": [...], "add_generation_prompt"?: bool} line rendered
// with the tokenizer's chat template (ChatTemplate::for_tokenizer).
std::string chat_text_of_line(const std::string& line, const std::string& file, size_t lineno, const ChatTemplate& ct) {
  json j = parse_jsonl_line(line, file, lineno);
  R1_CHECK(j.is_object() && j.contains("messages"), file, ": line ", lineno, ": expected an object with \"messages\"");
  bool gen = j.value("add_generation_prompt", true);
  try {
    return ct.render(chat_messages_from_json(j["messages"]), gen);
  } catch (const r1::Error& e) {
    fail(file, ": line ", lineno, ": ", e.what());
  }
}

int cmd_tokenize(int argc, char** argv) {
  CLI::App app{"Encode JSONL {\"text\": ...} lines to JSONL {\"ids\": [...]} lines, in order", "r1 tokenize"};
  std::string tok_path, in, out;
  bool bos = false, chat = false, emit_text = false;
  int threads = 0;
  app.add_option("--tokenizer", tok_path, "tokenizer.json or a folder with one")->required();
  app.add_option("--in", in, "input JSONL file")->required();
  app.add_option("--out", out, "output JSONL file")->required();
  app.add_flag("--bos", bos, "prepend the BOS id to every line");
  app.add_flag("--chat", chat,
               "lines are {\"messages\": [...], \"add_generation_prompt\": bool (default true)}, rendered with the "
               "tokenizer's chat template (DeepSeek V3/R1 style)");
  app.add_flag("--emit-text", emit_text, "also write the encoded text as \"text\" (with --chat: the rendered prompt)");
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  Tokenizer tok = Tokenizer::load(tok_path);
  ChatTemplate ct = ChatTemplate::for_tokenizer(tok);
  R1_CHECK(!bos || tok.bos_id() >= 0, tok_path, ": --bos given but the tokenizer has no BOS token");
  std::ifstream f = open_in(in);
  data::LineWriter o(out);  // out.tmp, renamed over out on commit; removed on error
  std::vector<std::string> texts;
  std::string line, buf;
  size_t lineno = 0, nlines = 0, ntok = 0;
  auto flush = [&] {
    auto ids = tok.encode_batch(texts, bos);
    for (auto& v : ids) {
      buf = "{\"ids\": [";
      for (size_t i = 0; i < v.size(); i++) {
        if (i) buf += ", ";
        buf += std::to_string(v[i]);
      }
      buf += "]";
      if (emit_text) {
        buf += ", \"text\": ";
        tok::json_escape(buf, texts[&v - ids.data()]);
      }
      buf += "}";
      o.write(buf);
      ntok += v.size();
    }
    texts.clear();
  };
  while (std::getline(f, line)) {
    lineno++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    texts.push_back(chat ? chat_text_of_line(line, in, lineno, ct) : text_of_line(line, in, lineno));
    nlines++;
    if (texts.size() == kBatch) flush();
  }
  flush();
  o.commit();
  fprintf(stderr, "tokenize: %zu lines, %zu tokens -> %s\n", nlines, ntok, out.c_str());
  return 0;
}

int cmd_detokenize(int argc, char** argv) {
  CLI::App app{"Decode JSONL {\"ids\": [...]} lines to JSONL {\"text\": ...} lines, in order", "r1 detokenize"};
  std::string tok_path, in, out;
  bool skip = false;
  int threads = 0;
  app.add_option("--tokenizer", tok_path, "tokenizer.json or a folder with one")->required();
  app.add_option("--in", in, "input JSONL file")->required();
  app.add_option("--out", out, "output JSONL file")->required();
  app.add_flag("--skip-special", skip, "drop special tokens (BOS, EOS, pad, ...)");
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  Tokenizer tok = Tokenizer::load(tok_path);
  std::ifstream f = open_in(in);
  data::LineWriter o(out);  // out.tmp, renamed over out on commit; removed on error
  std::string line, buf;
  size_t lineno = 0, nlines = 0;
  while (std::getline(f, line)) {
    lineno++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    json j = parse_jsonl_line(line, in, lineno);
    R1_CHECK(j.is_object() && j.contains("ids") && j["ids"].is_array(), in, ": line ", lineno,
             ": expected an object with an \"ids\" array");
    std::vector<int32_t> ids;
    for (size_t k = 0; k < j["ids"].size(); k++) {
      const json& v = j["ids"][k];
      R1_CHECK(v.is_number_integer(), in, ": line ", lineno, ": ids[", k, "] is not an integer");
      int64_t id = v.get<int64_t>();
      R1_CHECK(id >= 0 && id < tok.vocab_size() && tok.valid_id((int32_t)id), in, ": line ", lineno, ": ids[", k,
               "] = ", id, " is out of range (vocab size ", tok.vocab_size(), ")");
      ids.push_back((int32_t)id);
    }
    buf = "{\"text\": ";
    tok::json_escape(buf, tok.decode(ids, skip));
    buf += "}";
    o.write(buf);
    nlines++;
  }
  o.commit();
  fprintf(stderr, "detokenize: %zu lines -> %s\n", nlines, out.c_str());
  return 0;
}

// Plain text files are cut into ~64 KB documents at line ends (newlines kept);
// .jsonl files give one document per line's "text".
void read_corpus(const std::string& path, std::vector<std::string>& docs) {
  bool jsonl = path.size() >= 6 && path.substr(path.size() - 6) == ".jsonl";
  std::ifstream f = open_in(path);
  std::string line;
  size_t lineno = 0;
  if (jsonl) {
    while (std::getline(f, line)) {
      lineno++;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) docs.push_back(text_of_line(line, path, lineno));
    }
    return;
  }
  std::string doc;
  while (std::getline(f, line)) {
    lineno++;
    size_t bad = utf8_invalid_at(line);
    R1_CHECK(bad == std::string::npos, path, ": line ", lineno, ": invalid UTF-8 at byte ", bad);
    doc += line;
    if (!f.eof()) doc += '\n';
    if (doc.size() >= 65536) docs.push_back(std::move(doc)), doc.clear();
  }
  if (!doc.empty()) docs.push_back(std::move(doc));
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> v;
  std::string cur;
  for (char c : s) {
    if (c == ',') v.push_back(cur), cur.clear();
    else cur += c;
  }
  if (!cur.empty()) v.push_back(cur);
  return v;
}

int cmd_train_tokenizer(int argc, char** argv) {
  CLI::App app{"Train a byte-level BPE tokenizer (DeepSeek-V3 pre-tokenizer) and write tokenizer.json + "
               "tokenizer_config.json",
               "r1 train-tokenizer"};
  std::vector<std::string> ins;
  std::string out, specials, extra;
  BpeTrainOptions opt;
  int threads = 0;
  app.add_option("--in", ins, "corpus files: .jsonl ({\"text\"} per line) or plain UTF-8 text")->required();
  app.add_option("--vocab-size", opt.vocab_size, "total vocab size, special tokens included")->required();
  app.add_option("--out", out, "output folder")->required();
  app.add_option("--min-frequency", opt.min_frequency, "minimum pair count to merge")->default_val(2);
  app.add_option("--special-tokens", specials,
                 "comma-separated special tokens (decode --skip-special drops them); default: DeepSeek's BOS, EOS, pad");
  app.add_option("--added-tokens", extra,
                 "comma-separated non-special added tokens; default: <｜User｜>, <｜Assistant｜>, <think>, </think>, "
                 "FIM hole/begin/end");
  app.add_option("--bos", opt.bos, "BOS token (must be among the special tokens)");
  app.add_option("--eos", opt.eos, "EOS token");
  app.add_option("--pad", opt.pad, "pad token");
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  if (!specials.empty() || !extra.empty()) {
    std::vector<AddedToken> def = BpeTrainOptions::deepseek_specials();
    std::vector<AddedToken> v;
    if (specials.empty()) {
      for (auto& t : def) if (t.special) v.push_back(t);
    } else {
      for (auto& s : split_list(specials)) v.push_back({0, s, true, false});
    }
    if (extra.empty()) {
      for (auto& t : def) if (!t.special) v.push_back(t);
    } else {
      for (auto& s : split_list(extra)) v.push_back({0, s, false, true});
    }
    opt.special_tokens = v;
  }
  for (const std::string* s : {&opt.bos, &opt.eos, &opt.pad}) {
    bool found = false;
    for (auto& t : opt.special_tokens) found |= t.content == *s;
    R1_CHECK(found, "train-tokenizer: '", *s, "' (bos/eos/pad) is not among the special tokens");
  }
  std::vector<std::string> docs;
  for (auto& p : ins) read_corpus(p, docs);
  size_t bytes = 0;
  for (auto& d : docs) bytes += d.size();
  std::string js = train_bpe(docs, opt);
  write_trained_tokenizer(out, js, opt);
  Tokenizer tok = Tokenizer::load(out);
  auto ids = tok.encode_batch(docs);
  size_t ntok = 0;
  for (size_t i = 0; i < docs.size(); i++) {
    ntok += ids[i].size();
    R1_CHECK(tok.decode(ids[i]) == docs[i], "train-tokenizer: internal error: document ", i, " does not round-trip");
  }
  fprintf(stderr, "train-tokenizer: %zu docs, %.2f MB -> vocab %d, %.2f bytes/token, round-trip ok -> %s\n", docs.size(),
          bytes / 1e6, tok.vocab_size(), ntok ? (double)bytes / ntok : 0.0, out.c_str());
  return 0;
}

}  // namespace

R1_COMMAND("tokenize", "encode JSONL text lines to token ids", cmd_tokenize);
R1_COMMAND("detokenize", "decode JSONL token-id lines to text", cmd_detokenize);
R1_COMMAND("train-tokenizer", "train a byte-level BPE tokenizer", cmd_train_tokenizer);
