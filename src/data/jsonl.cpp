#include "data/jsonl.h"

#include <omp.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "base/utf8.h"

namespace r1::data {

namespace fs = std::filesystem;

bool is_zstd_name(const std::string& path) {
  auto ends = [&](const char* e) {
    size_t n = strlen(e);
    return path.size() >= n && path.compare(path.size() - n, n, e) == 0;
  };
  return ends(".zst") || ends(".zstd");
}

std::string base_name(const std::string& path) { return fs::path(path).filename().string(); }

void check_inputs_exist(const std::vector<std::string>& paths) {
  for (auto& p : paths) {
    std::error_code ec;
    R1_CHECK(fs::exists(p, ec), p, ": cannot open: No such file or directory");
    R1_CHECK(!fs::is_directory(p, ec), p, ": is a directory, expected a JSONL file");
  }
}

// ---------------------------------------------------------------- reader

LineReader::LineReader(const std::string& path, size_t max_line_bytes) : path_(path), max_line_(max_line_bytes) {
  f_ = fopen(path.c_str(), "rb");
  if (!f_) fail(path, ": cannot open: ", std::strerror(errno));
  in_.resize(1 << 20);
  in_len_ = fread(in_.data(), 1, in_.size(), f_);
  if (ferror(f_)) fail(path, ": read error: ", std::strerror(errno));
  static const unsigned char magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
  if (in_len_ >= 4 && memcmp(in_.data(), magic, 4) == 0) {
    zstd_ = ZSTD_createDCtx();
    R1_CHECK(zstd_, path, ": cannot create zstd context");
  }
}

LineReader::~LineReader() {
  if (zstd_) ZSTD_freeDCtx((ZSTD_DCtx*)zstd_);
  if (f_) fclose(f_);
}

bool LineReader::fill() {
  if (eof_) return false;
  // Drop consumed bytes first so buf_ never grows past one line + one chunk.
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  for (;;) {
    if (in_pos_ == in_len_) {
      in_len_ = fread(in_.data(), 1, in_.size(), f_);
      in_pos_ = 0;
      if (ferror(f_)) fail(path_, ": read error: ", std::strerror(errno));
      if (in_len_ == 0) {
        eof_ = true;
        if (zstd_ && zstd_pending_ != 0) fail(path_, ": truncated zstd stream");
        return false;
      }
    }
    if (!zstd_) {
      buf_.append(in_.data() + in_pos_, in_len_ - in_pos_);
      in_pos_ = in_len_;
      return true;
    }
    size_t old = buf_.size();
    size_t cap = ZSTD_DStreamOutSize();
    buf_.resize(old + cap);
    ZSTD_inBuffer ib{in_.data(), in_len_, in_pos_};
    ZSTD_outBuffer ob{buf_.data() + old, cap, 0};
    size_t rc = ZSTD_decompressStream((ZSTD_DCtx*)zstd_, &ob, &ib);
    if (ZSTD_isError(rc)) fail(path_, ": corrupt zstd stream: ", ZSTD_getErrorName(rc));
    zstd_pending_ = rc;
    in_pos_ = ib.pos;
    buf_.resize(old + ob.pos);
    if (ob.pos > 0) return true;
  }
}

bool LineReader::next(std::string& line, bool& too_long) {
  too_long = false;
  size_t scan = pos_;
  for (;;) {
    const char* base = buf_.data();
    const void* nl = scan < buf_.size() ? memchr(base + scan, '\n', buf_.size() - scan) : nullptr;
    if (nl) {
      size_t end = (const char*)nl - base;
      size_t len = end - pos_;
      bytes_out_ += len + 1;
      ++line_no_;
      if (too_long || len > max_line_) {
        too_long = true;
        line.clear();
      } else {
        if (len > 0 && base[end - 1] == '\r') --len;
        line.assign(base + pos_, len);
      }
      pos_ = end + 1;
      return true;
    }
    // No newline yet. A line past the limit is discarded as it streams in.
    if (buf_.size() - pos_ > max_line_) {
      too_long = true;
      bytes_out_ += buf_.size() - pos_;
      buf_.clear();
      pos_ = 0;
    }
    size_t have = buf_.size() - pos_;
    if (!fill()) {
      if (have == 0 && !too_long) return false;
      ++line_no_;
      bytes_out_ += buf_.size() - pos_;
      if (too_long) line.clear();
      else {
        size_t len = buf_.size() - pos_;
        if (len > 0 && buf_[pos_ + len - 1] == '\r') --len;
        line.assign(buf_.data() + pos_, len);
      }
      buf_.clear();
      pos_ = 0;
      return true;
    }
    scan = pos_ + have;
  }
}

// ---------------------------------------------------------------- writer

LineWriter::LineWriter(const std::string& path, int zstd_level) : path_(path), tmp_(path + ".tmp") {
  f_ = fopen(tmp_.c_str(), "wb");
  if (!f_) fail(tmp_, ": cannot create: ", std::strerror(errno));
  if (is_zstd_name(path)) {
    auto* c = ZSTD_createCCtx();
    R1_CHECK(c, path, ": cannot create zstd context");
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, zstd_level);
    zstd_ = c;
    out_.resize(ZSTD_CStreamOutSize());
  }
}

LineWriter::~LineWriter() {
  if (zstd_) ZSTD_freeCCtx((ZSTD_CCtx*)zstd_);
  if (f_) fclose(f_);
  if (!done_) std::remove(tmp_.c_str());
}

void LineWriter::flush_raw(const char* p, size_t n) {
  if (n && fwrite(p, 1, n, f_) != n) fail(tmp_, ": write failed: ", std::strerror(errno));
}

void LineWriter::drain(bool end) {
  if (!zstd_) {
    flush_raw(pending_.data(), pending_.size());
    pending_.clear();
    return;
  }
  ZSTD_inBuffer ib{pending_.data(), pending_.size(), 0};
  for (;;) {
    ZSTD_outBuffer ob{out_.data(), out_.size(), 0};
    size_t rc = ZSTD_compressStream2((ZSTD_CCtx*)zstd_, &ob, &ib, end ? ZSTD_e_end : ZSTD_e_continue);
    if (ZSTD_isError(rc)) fail(path_, ": zstd compression failed: ", ZSTD_getErrorName(rc));
    flush_raw(out_.data(), ob.pos);
    if (end ? rc == 0 : ib.pos == ib.size) break;
  }
  pending_.clear();
}

void LineWriter::write(std::string_view line) {
  pending_.append(line);
  pending_.push_back('\n');
  bytes_in_ += line.size() + 1;
  if (pending_.size() >= (1u << 20)) drain(false);
}

void LineWriter::commit() {
  drain(true);
  if (fflush(f_) != 0 || fclose(f_) != 0) {
    f_ = nullptr;
    fail(tmp_, ": write failed: ", std::strerror(errno));
  }
  f_ = nullptr;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail(path_, ": rename failed: ", std::strerror(errno));
  done_ = true;
}

// ---------------------------------------------------------------- JSON scan

namespace {

struct Scanner {
  const char* p;
  const char* e;
  void ws() {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  }
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(unsigned& v) {
    if (e - p < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex(p[i]);
      if (h < 0) return false;
      v = v * 16 + (unsigned)h;
    }
    p += 4;
    return true;
  }
  static void put_utf8(std::string& o, unsigned cp) {
    if (cp < 0x80) o.push_back((char)cp);
    else if (cp < 0x800) { o.push_back((char)(0xC0 | (cp >> 6))); o.push_back((char)(0x80 | (cp & 0x3F))); }
    else if (cp < 0x10000) {
      o.push_back((char)(0xE0 | (cp >> 12)));
      o.push_back((char)(0x80 | ((cp >> 6) & 0x3F)));
      o.push_back((char)(0x80 | (cp & 0x3F)));
    } else {
      o.push_back((char)(0xF0 | (cp >> 18)));
      o.push_back((char)(0x80 | ((cp >> 12) & 0x3F)));
      o.push_back((char)(0x80 | ((cp >> 6) & 0x3F)));
      o.push_back((char)(0x80 | (cp & 0x3F)));
    }
  }
  // At the opening quote. out == nullptr: validate only.
  // Skips 8 bytes at a time while none is '"', '\\' or a control byte (SWAR
  // zero-byte tests, Hacker's Delight 6-1).
  static bool plain8(uint64_t w) {
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w);
    return (hit & high) == 0;
  }
  bool string(std::string* out, bool& bad_unicode) {
    ++p;
    for (;;) {
      const char* s = p;
      uint64_t w;
      while (e - p >= 8 && (memcpy(&w, p, 8), plain8(w))) p += 8;
      while (p < e && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) ++p;
      if (out) out->append(s, p - s);
      if (p >= e || (unsigned char)*p < 0x20) return false;
      if (*p == '"') { ++p; return true; }
      ++p;  // backslash
      if (p >= e) return false;
      char c = *p++;
      char r;
      switch (c) {
        case '"': r = '"'; break;
        case '\\': r = '\\'; break;
        case '/': r = '/'; break;
        case 'b': r = '\b'; break;
        case 'f': r = '\f'; break;
        case 'n': r = '\n'; break;
        case 'r': r = '\r'; break;
        case 't': r = '\t'; break;
        case 'u': {
          unsigned v;
          if (!hex4(v)) return false;
          if (v >= 0xD800 && v <= 0xDBFF) {
            unsigned lo;
            const char* save = p;
            if (e - p >= 6 && p[0] == '\\' && p[1] == 'u' && (p += 2, hex4(lo)) && lo >= 0xDC00 && lo <= 0xDFFF) {
              v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              p = save;
              bad_unicode = true;
              v = 0xFFFD;
            }
          } else if (v >= 0xDC00 && v <= 0xDFFF) {
            bad_unicode = true;
            v = 0xFFFD;
          }
          if (out) put_utf8(*out, v);
          continue;
        }
        default: return false;
      }
      if (out) out->push_back(r);
    }
  }
  bool number() {
    if (p < e && *p == '-') ++p;
    if (p >= e) return false;
    if (*p == '0') ++p;
    else if (*p >= '1' && *p <= '9') { while (p < e && *p >= '0' && *p <= '9') ++p; }
    else return false;
    if (p < e && *p == '.') {
      ++p;
      if (p >= e || *p < '0' || *p > '9') return false;
      while (p < e && *p >= '0' && *p <= '9') ++p;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < e && (*p == '+' || *p == '-')) ++p;
      if (p >= e || *p < '0' || *p > '9') return false;
      while (p < e && *p >= '0' && *p <= '9') ++p;
    }
    return true;
  }
  bool literal(const char* w) {
    size_t n = strlen(w);
    if ((size_t)(e - p) < n || memcmp(p, w, n) != 0) return false;
    p += n;
    return true;
  }
  // Any value, iteratively (a stack of open containers), so deep nesting
  // cannot overflow the C++ stack.
  bool value(bool& bad_unicode) {
    std::vector<char> stack;
    for (;;) {
      ws();
      if (p >= e) return false;
      char c = *p;
      bool scalar = true;
      if (c == '{' || c == '[') {
        ++p;
        ws();
        if (p < e && *p == (c == '{' ? '}' : ']')) { ++p; }
        else {
          stack.push_back(c);
          if (c == '{') {
            if (p >= e || *p != '"' || !string(nullptr, bad_unicode)) return false;
            ws();
            if (p >= e || *p != ':') return false;
            ++p;
          }
          scalar = false;
        }
      } else if (c == '"') { if (!string(nullptr, bad_unicode)) return false; }
      else if (c == 't') { if (!literal("true")) return false; }
      else if (c == 'f') { if (!literal("false")) return false; }
      else if (c == 'n') { if (!literal("null")) return false; }
      else if (!number()) return false;
      if (!scalar) continue;
      // After a complete value: close containers or move to the next element.
      for (;;) {
        if (stack.empty()) return true;
        ws();
        if (p >= e) return false;
        char open = stack.back();
        if (*p == ',') {
          ++p;
          if (open == '{') {
            ws();
            if (p >= e || *p != '"' || !string(nullptr, bad_unicode)) return false;
            ws();
            if (p >= e || *p != ':') return false;
            ++p;
          }
          break;
        }
        if (*p == (open == '{' ? '}' : ']')) { ++p; stack.pop_back(); continue; }
        return false;
      }
    }
  }
};

}  // namespace

bool json_scan_line(std::string_view line, std::string_view key, std::string& value, bool& found, bool& bad_unicode) {
  found = false;
  bad_unicode = false;
  value.clear();
  Scanner s{line.data(), line.data() + line.size()};
  s.ws();
  if (s.p >= s.e || *s.p != '{') return false;
  ++s.p;
  s.ws();
  if (s.p < s.e && *s.p == '}') {
    ++s.p;
    s.ws();
    return s.p == s.e;
  }
  std::string k;
  for (;;) {
    s.ws();
    if (s.p >= s.e || *s.p != '"') return false;
    k.clear();
    bool kb = false;
    if (!s.string(&k, kb)) return false;
    s.ws();
    if (s.p >= s.e || *s.p != ':') return false;
    ++s.p;
    s.ws();
    if (!found && k == key && s.p < s.e && *s.p == '"') {
      if (!s.string(&value, bad_unicode)) return false;
      found = true;
    } else {
      bool b = false;
      if (!s.value(b)) return false;
    }
    s.ws();
    if (s.p >= s.e) return false;
    if (*s.p == ',') { ++s.p; continue; }
    if (*s.p == '}') { ++s.p; break; }
    return false;
  }
  s.ws();
  return s.p == s.e;
}

std::string json_quote(std::string_view s) {
  std::string o;
  o.reserve(s.size() + 2);
  o.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char b[8];
          snprintf(b, sizeof b, "\\u%04x", c);
          o += b;
        } else o.push_back((char)c);
    }
  }
  o.push_back('"');
  return o;
}

std::string json_add_number(std::string_view line, std::string_view key, double v) {
  size_t end = line.size();
  while (end > 0 && line[end - 1] != '}') --end;
  R1_CHECK(end > 0, "json_add_number: not an object");
  std::string_view head = line.substr(0, end - 1);
  size_t t = head.size();
  while (t > 0 && (head[t - 1] == ' ' || head[t - 1] == '\t')) --t;
  bool empty = t > 0 && head[t - 1] == '{';
  char num[32];
  snprintf(num, sizeof num, "%.6g", v);
  return str(head.substr(0, t), empty ? "" : ",", json_quote(key), ":", num, "}");
}

// ---------------------------------------------------------------- batches

const char* status_name(LineStatus s) {
  switch (s) {
    case LineStatus::ok: return "ok";
    case LineStatus::blank: return "blank";
    case LineStatus::invalid_json: return "invalid_json";
    case LineStatus::invalid_utf8: return "invalid_utf8";
    case LineStatus::no_text: return "no_text";
    case LineStatus::empty: return "empty";
    case LineStatus::too_large: return "too_large";
  }
  return "?";
}

static constexpr size_t kMaxListed = 100;

void Counts::add_status(LineStatus s, int64_t line_no) {
  auto push = [&](std::vector<int64_t>& v) {
    if (v.size() < kMaxListed) v.push_back(line_no);
  };
  switch (s) {
    case LineStatus::ok: ++docs; break;
    case LineStatus::blank: ++blank; break;
    case LineStatus::invalid_json: ++invalid_json; push(bad_json_lines); break;
    case LineStatus::invalid_utf8: ++invalid_utf8; push(bad_utf8_lines); break;
    case LineStatus::no_text: ++no_text; push(no_text_lines); break;
    case LineStatus::empty: ++empty; push(empty_lines); break;
    case LineStatus::too_large: ++too_large; push(too_large_lines); break;
  }
}

void Counts::merge(const Counts& o) {
  lines += o.lines; docs += o.docs; bytes += o.bytes; kept += o.kept;
  blank += o.blank; invalid_json += o.invalid_json; invalid_utf8 += o.invalid_utf8;
  no_text += o.no_text; empty += o.empty; too_large += o.too_large;
}

json Counts::to_json() const {
  json j;
  j["lines"] = lines;
  j["docs"] = docs;
  j["bytes"] = bytes;
  j["kept"] = kept;
  j["skipped"] = {{"blank", blank}, {"invalid_json", invalid_json}, {"invalid_utf8", invalid_utf8},
                  {"no_text", no_text}, {"empty", empty}, {"too_large", too_large}};
  json lines_j = json::object();
  if (!bad_json_lines.empty()) lines_j["invalid_json"] = bad_json_lines;
  if (!bad_utf8_lines.empty()) lines_j["invalid_utf8"] = bad_utf8_lines;
  if (!no_text_lines.empty()) lines_j["no_text"] = no_text_lines;
  if (!empty_lines.empty()) lines_j["empty"] = empty_lines;
  if (!too_large_lines.empty()) lines_j["too_large"] = too_large_lines;
  if (!lines_j.empty()) j["skipped_line_numbers"] = lines_j;
  return j;
}

static bool all_space(std::string_view s) {
  for (unsigned char c : s)
    if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')) return false;
  return true;
}

// ASCII fast path, 8 bytes at a time; the full check from the first non-ASCII block.
static bool ascii_or_valid_utf8(std::string_view s) {
  size_t i = 0;
  uint64_t w;
  while (i + 8 <= s.size() && (memcpy(&w, s.data() + i, 8), (w & 0x8080808080808080ull) == 0)) i += 8;
  return utf8_valid(s.substr(i));
}

bool read_batch(LineReader& r, const ReadOptions& opt, std::vector<Doc>& batch, Counts& counts) {
  size_t n = 0, bytes = 0;
  if (batch.size() < opt.batch_docs) batch.resize(opt.batch_docs);
  while (n < opt.batch_docs && bytes < opt.batch_bytes) {
    Doc& d = batch[n];
    bool too_long;
    if (!r.next(d.raw, too_long)) break;
    d.line_no = r.line_no();
    d.status = too_long ? LineStatus::too_large : LineStatus::ok;
    bytes += d.raw.size();
    ++n;
  }
  batch.resize(n);
  if (n == 0) return false;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i) {
    Doc& d = batch[i];
    d.text.clear();
    if (d.status == LineStatus::too_large) continue;
    if (all_space(d.raw)) { d.status = LineStatus::blank; continue; }
    if (!ascii_or_valid_utf8(d.raw)) { d.status = LineStatus::invalid_utf8; continue; }
    bool found, bad_unicode;
    if (!json_scan_line(d.raw, opt.field, d.text, found, bad_unicode)) { d.status = LineStatus::invalid_json; continue; }
    if (!found) { d.status = LineStatus::no_text; continue; }
    if (bad_unicode) { d.status = LineStatus::invalid_utf8; continue; }
    if (!opt.keep_empty && all_space(d.text)) { d.status = LineStatus::empty; continue; }
  }
  for (size_t i = 0; i < n; ++i) {
    ++counts.lines;
    counts.bytes += (int64_t)batch[i].raw.size() + 1;
    counts.add_status(batch[i].status, batch[i].line_no);
  }
  return true;
}

}  // namespace r1::data
