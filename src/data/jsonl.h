// Streaming JSONL I/O for the data pipeline: plain or zstd-compressed input
// (detected by the zstd magic, not the name), output compressed when the name
// ends in .zst/.zstd. Lines are handed out in batches so a stage can process a
// batch in parallel and then emit it in input order; memory is bounded by the
// batch limits (documents and bytes) plus one line of at most max_line_bytes.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"

namespace r1::data {

class LineReader {
 public:
  // Throws r1::Error "<path>: cannot open: ..." when the file is missing.
  LineReader(const std::string& path, size_t max_line_bytes);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  // Next line without its '\n' (and a trailing '\r'). A line longer than
  // max_line_bytes is skipped while reading: line is left empty, too_long set.
  bool next(std::string& line, bool& too_long);
  int64_t line_no() const { return line_no_; }          // 1-based number of the last line returned
  int64_t bytes_read() const { return bytes_out_; }     // uncompressed bytes consumed
  bool compressed() const { return zstd_ != nullptr; }
  const std::string& path() const { return path_; }

 private:
  bool fill();  // append more (decompressed) data to buf_; false at EOF
  std::string path_;
  FILE* f_ = nullptr;
  void* zstd_ = nullptr;  // ZSTD_DCtx*
  std::vector<char> in_;
  size_t in_pos_ = 0, in_len_ = 0;
  std::string buf_;
  size_t pos_ = 0;
  size_t max_line_;
  int64_t line_no_ = 0, bytes_out_ = 0;
  bool eof_ = false;
  size_t zstd_pending_ = 0;  // last ZSTD_decompressStream hint: nonzero means a frame is unfinished
};

// Writes path.tmp and renames it over path on commit(), so a killed run never
// leaves a half-written output under the final name (reruns are idempotent).
class LineWriter {
 public:
  explicit LineWriter(const std::string& path, int zstd_level = 3);
  ~LineWriter();  // without commit(): removes the .tmp
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;
  void write(std::string_view line);  // appends '\n'
  void commit();
  int64_t bytes_written() const { return bytes_in_; }

 private:
  void flush_raw(const char* p, size_t n);
  void drain(bool end);
  std::string path_, tmp_;
  FILE* f_ = nullptr;
  void* zstd_ = nullptr;  // ZSTD_CCtx*
  std::string pending_;
  std::vector<char> out_;
  int64_t bytes_in_ = 0;
  bool done_ = false;
};

bool is_zstd_name(const std::string& path);
std::string base_name(const std::string& path);

// Why a line did not yield a document.
enum class LineStatus : uint8_t { ok, blank, invalid_json, invalid_utf8, no_text, empty, too_large };
const char* status_name(LineStatus s);

struct Doc {
  int64_t line_no = 0;
  std::string raw;   // the input line, written back verbatim when kept
  std::string text;  // decoded value of the text field
  LineStatus status = LineStatus::ok;
};

// Per-file counts every stage reports. Bad lines keep their line numbers (the
// first max_listed of each kind), so a user can find them.
struct Counts {
  int64_t lines = 0, docs = 0, bytes = 0, kept = 0;
  int64_t blank = 0, invalid_json = 0, invalid_utf8 = 0, no_text = 0, empty = 0, too_large = 0;
  std::vector<int64_t> bad_json_lines, bad_utf8_lines, no_text_lines, empty_lines, too_large_lines;
  void add_status(LineStatus s, int64_t line_no);
  json to_json() const;
  void merge(const Counts& o);
};

struct ReadOptions {
  std::string field = "text";
  size_t max_doc_bytes = 64u << 20;   // longer lines are skipped as too_large
  size_t batch_docs = 8192;
  size_t batch_bytes = 64u << 20;
  bool keep_empty = false;            // empty/whitespace-only text: keep (true) or drop
};

// Reads a batch of lines and parses them in parallel (OpenMP, static):
// JSON validity, UTF-8 validity, the text field. Returns false when the file is
// exhausted and the batch is empty. Statuses are tallied into counts.
bool read_batch(LineReader& r, const ReadOptions& opt, std::vector<Doc>& batch, Counts& counts);

// Fast single-pass JSON check of one line (RFC 8259, top level must be an
// object) that also extracts the top-level string member `key`.
// Returns false for invalid JSON. found: key present with a string value.
// bad_unicode: the value held an unpaired \u surrogate.
bool json_scan_line(std::string_view line, std::string_view key, std::string& value, bool& found, bool& bad_unicode);

// Appends ,"key":<number> before the closing brace of a JSON object line.
std::string json_add_number(std::string_view line, std::string_view key, double v);
// JSON string literal for s (with quotes), escaping as RFC 8259 requires.
std::string json_quote(std::string_view s);

// Fails (naming the file) before any output is written if an input is missing.
void check_inputs_exist(const std::vector<std::string>& paths);

}  // namespace r1::data
