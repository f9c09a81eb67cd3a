#include "data/mcq.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "data/stage.h"

namespace r1::data {

namespace {

enum Family : int { kUpper, kLower, kDigit, kCircled, kCyrUpper, kCyrLower, kFullUpper };

struct Label {
  size_t pos, end;  // label bytes [pos, end)
  int family, style, index;
  size_t line_start;
};

inline uint32_t cp_at(std::string_view s, size_t i, int& len) {
  auto* p = (const unsigned char*)s.data();
  unsigned char c = p[i];
  if (c < 0x80) { len = 1; return c; }
  if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) { len = 2; return ((c & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu); }
  if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) {
    len = 3;
    return ((c & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
  }
  if ((c & 0xF8) == 0xF0 && i + 3 < s.size()) {
    len = 4;
    return ((c & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12) | ((p[i + 2] & 0x3Fu) << 6) | (p[i + 3] & 0x3Fu);
  }
  len = 1;
  return 0xFFFD;
}

inline bool space_cp(uint32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 || c == 0xA0; }

// Family and index (0 = A) of a label character, or false.
bool label_char(uint32_t c, int& fam, int& idx) {
  if (c >= 'A' && c <= 'F') { fam = kUpper; idx = (int)(c - 'A'); return true; }
  if (c >= 'a' && c <= 'f') { fam = kLower; idx = (int)(c - 'a'); return true; }
  if (c >= '1' && c <= '6') { fam = kDigit; idx = (int)(c - '1'); return true; }
  if (c >= 0x2460 && c <= 0x2465) { fam = kCircled; idx = (int)(c - 0x2460); return true; }
  if (c >= 0xFF21 && c <= 0xFF26) { fam = kFullUpper; idx = (int)(c - 0xFF21); return true; }
  static const uint32_t cyr_up[] = {0x410, 0x411, 0x412, 0x413, 0x414, 0x415};   // А Б В Г Д Е
  static const uint32_t cyr_lo[] = {0x430, 0x431, 0x432, 0x433, 0x434, 0x435};
  for (int k = 0; k < 6; ++k) {
    if (c == cyr_up[k]) { fam = kCyrUpper; idx = k; return true; }
    if (c == cyr_lo[k]) { fam = kCyrLower; idx = k; return true; }
  }
  return false;
}

// Closing punctuation after a label: its style id, or -1.
int closer_style(uint32_t c) {
  switch (c) {
    case '.': return 1;
    case ')': return 2;
    case ':': return 3;
    case 0x3001: return 4;  // 、
    case 0xFF0E: return 1;  // ．
    case 0xFF09: return 2;  // ）
    case 0xFF1A: return 3;  // ：
    case ']': return 5;
    default: return -1;
  }
}

std::vector<Label> find_labels(std::string_view s) {
  std::vector<Label> out;
  size_t line_start = 0;
  uint32_t prev = '\n';
  for (size_t i = 0; i < s.size();) {
    int len;
    uint32_t c = cp_at(s, i, len);
    if (c == '\n') line_start = i + 1;
    bool boundary = space_cp(prev) || prev == '\n';
    if (boundary) {
      size_t j = i;
      int open = 0;
      int l2;
      uint32_t d = c;
      if (c == '(' || c == 0xFF08 || c == '[') {
        open = c == '[' ? 2 : 1;
        j += len;
        if (j < s.size()) d = cp_at(s, j, l2);
        else d = 0;
      } else l2 = len;
      int fam, idx;
      if (j < s.size() && label_char(d, fam, idx)) {
        size_t k = j + l2;
        int style = -1;
        if (fam == kCircled && !open) style = 0;
        else if (k < s.size()) {
          int l3;
          uint32_t e = cp_at(s, k, l3);
          int cs = closer_style(e);
          if (open == 1 && cs == 2) style = 6, k += l3;
          else if (open == 2 && cs == 5) style = 7, k += l3;
          else if (!open && cs > 0 && cs != 5) style = cs, k += l3;
        }
        if (style >= 0) {
          // Must be followed by a space or a non-ASCII character (A．北京), not "A.B" or "1.5".
          bool ok = k >= s.size();
          if (!ok) {
            int l4;
            uint32_t f = cp_at(s, k, l4);
            // After a fullwidth closer (、．）：) anything may follow; after ASCII
            // ones a space or a non-ASCII character.
            bool wide_closer = style != 0 && (unsigned char)s[k - 1] >= 0x80;
            ok = space_cp(f) || f >= 0x80 || style == 0 || wide_closer;
          }
          if (ok) out.push_back({i, k, fam, style, idx, line_start});
        }
      }
    }
    prev = c;
    i += len;
  }
  return out;
}

// Lower-cases ASCII and Cyrillic А-Я (so cue words match at a sentence start).
std::string lower_ascii(std::string_view s) {
  std::string o(s);
  for (size_t i = 0; i < o.size(); ++i) {
    unsigned char c = (unsigned char)o[i];
    if (c >= 'A' && c <= 'Z') o[i] = (char)(c | 0x20);
    else if (c == 0xD0 && i + 1 < o.size()) {
      unsigned char d = (unsigned char)o[i + 1];
      if (d >= 0x90 && d <= 0x9F) o[i + 1] = (char)(d + 0x20);
      else if (d >= 0xA0 && d <= 0xAF) o[i] = (char)0xD1, o[i + 1] = (char)(d - 0x20);
      ++i;
    }
  }
  return o;
}

// Choice cues: words that ask to pick among options ("what" alone does not).
const char* kCues[] = {
    "which", "choose", "select", "following", "correct", "best describes", "most likely", "true about",
    "quel", "quelle", "laquelle", "lequel", "choisir", "choisissez", "cochez", "cuál", "cual", "elija", "seleccione",
    "welche", "welcher", "welches", "wähle", "kreuzen", "richtig", "какой", "какая", "какое", "какие", "выберите",
    "верн", "下列", "以下哪", "哪", "选择", "選擇", "正确", "正確", "次の", "どれ", "選び", "正しい",
    "quale", "quali", "scegli", "assinale", "escolha",
};
// CJK stems often end in "。" or nothing instead of a question mark.
const char* kQuestionWords[] = {"どれ", "選び", "ですか", "下列", "哪", "正确的是", "正確的是", "是什么"};
const char* kKeys[] = {"answer", "ans:", "ans.", "key:", "correct option", "答案", "正确答案", "正解", "réponse", "reponse",
                       "respuesta", "antwort", "lösung", "ответ", "risposta", "resposta", "solution:", "答え"};

bool contains_any(std::string_view lo, const char* const* words, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (lo.find(words[i]) != std::string_view::npos) return true;
  return false;
}

}  // namespace

std::vector<McqItem> find_mcq_items(std::string_view text, const McqOptions& o) {
  std::vector<McqItem> items;
  std::vector<Label> L = find_labels(text);
  size_t last_end = 0;
  for (size_t a = 0; a < L.size(); ++a) {
    if (L[a].index != 0 || L[a].pos < last_end) continue;
    // Collect B, C, ... of the same family and style, each close after the previous.
    std::vector<size_t> run = {a};
    for (size_t b = a + 1; b < L.size(); ++b) {
      const Label& prev = L[run.back()];
      if (L[b].pos - prev.end > (size_t)o.max_option_bytes) break;
      if (L[b].family != L[a].family || L[b].style != L[a].style) continue;
      if (L[b].index == prev.index + 1) run.push_back(b);
      else if (L[b].index == 0) break;  // a new list starts
    }
    if (run.size() < 3) continue;
    // End of the last option: its line end, capped.
    const Label& last = L[run.back()];
    size_t end = text.find('\n', last.end);
    if (end == std::string_view::npos) end = text.size();
    if (end - last.end > (size_t)o.max_option_bytes) continue;
    // Options that span many lines are paragraphs, not choices.
    size_t nl = 0;
    for (size_t p = L[a].pos; p < end; ++p) nl += text[p] == '\n';
    if (nl > run.size() * 2 + 1) continue;
    size_t stem_begin = L[a].pos > 400 ? L[a].pos - 400 : 0;
    stem_begin = std::max(stem_begin, last_end);
    std::string stem = lower_ascii(text.substr(stem_begin, L[a].pos - stem_begin));
    // The stem is the last couple of lines before the first option (or the same line when inline).
    size_t cut = stem.size();
    int lines_back = 0;
    while (cut > 0) {
      if (stem[cut - 1] == '\n' && ++lines_back > 3) break;
      --cut;
    }
    std::string_view st(stem.data() + cut, stem.size() - cut);
    bool question = st.find('?') != std::string_view::npos || st.find("\xEF\xBC\x9F") != std::string_view::npos;
    question = question || contains_any(st, kQuestionWords, sizeof kQuestionWords / sizeof *kQuestionWords);
    bool cue = contains_any(st, kCues, sizeof kCues / sizeof *kCues);
    size_t after_end = std::min(text.size(), end + 300);
    std::string after = lower_ascii(text.substr(end, after_end - end));
    std::string opts = lower_ascii(text.substr(L[a].pos, end - L[a].pos));
    bool key = contains_any(after, kKeys, sizeof kKeys / sizeof *kKeys) ||
               contains_any(opts, kKeys, sizeof kKeys / sizeof *kKeys);
    // Numbered/lower-case lists are mostly not choices: they also need short
    // options, and a choice cue or an answer key (or the whole item inline
    // after a question, "Q? 1) x 2) y 3) z").
    size_t opt_bytes = end - L[a].pos;
    bool short_opts = opt_bytes <= run.size() * 60;
    bool inline_item = text.substr(L[a].line_start, end - L[a].line_start).find('\n') == std::string_view::npos;
    bool ok;
    if (L[a].family == kDigit || L[a].family == kLower)
      ok = short_opts && (key || (question && (cue || inline_item)));
    else ok = key || question || cue;
    if (!ok) continue;
    items.push_back({L[a].pos, end, (int)run.size(), key});
    last_end = end;
  }
  return items;
}

json run_mcq(const McqRun& run) {
  R1_CHECK(run.mode == "drop" || run.mode == "count" || run.mode == "tag", "mcq: --mode must be drop, count or tag, got ",
           run.mode);
  R1_CHECK(!run.inputs.empty(), "mcq: no inputs");
  check_inputs_exist(run.inputs);
  if (!run.out_dir.empty()) check_distinct_names(run.inputs);
  const double t0 = now_seconds();
  json files = json::array();
  Counts total;
  int64_t mc_docs = 0, mc_items = 0;
  for (auto& in : run.inputs) {
    std::string out = run.out_dir.empty() ? "" : out_path_for(run.out_dir, in);
    Counts c;
    int64_t docs = 0, items = 0;
    std::vector<int> n;
    stream_file(in, out, run.read, c, [&](std::vector<Doc>& b, BatchOut& bo) {
      n.assign(b.size(), 0);
#pragma omp parallel for schedule(dynamic, 16)
      for (size_t i = 0; i < b.size(); ++i)
        if (b[i].status == LineStatus::ok) n[i] = (int)find_mcq_items(b[i].text, run.mcq).size();
      for (size_t i = 0; i < b.size(); ++i) {
        if (b[i].status != LineStatus::ok) continue;
        bool mc = n[i] >= run.mcq.min_items;
        docs += mc;
        items += n[i];
        bo.keep[i] = !(mc && run.mode == "drop");
        if (run.mode == "tag") bo.line[i] = json_add_number(b[i].raw, "mcq_items", n[i]);
      }
    });
    json fj = c.to_json();
    fj["file"] = in;
    fj["mcq_docs"] = docs;
    fj["mcq_items"] = items;
    files.push_back(fj);
    total.merge(c);
    mc_docs += docs;
    mc_items += items;
  }
  double secs = seconds_since(t0);
  json tj = total.to_json();
  tj["mcq_docs"] = mc_docs;
  tj["mcq_items"] = mc_items;
  json rep = {{"stage", "mcq"}, {"mode", run.mode}, {"min_items", run.mcq.min_items}, {"files", files}, {"total", tj},
              {"threads", omp_get_max_threads()}, {"seconds", secs}, {"peak_rss_mib", peak_rss_mib()}, {"mb_per_s", secs > 0 ? total.bytes / 1e6 / secs : 0.0}};
  if (!run.out_dir.empty()) write_file_atomic(run.out_dir + "/mcq_report.json", rep.dump(2) + "\n");
  return rep;
}

json evaluate_mcq(const std::string& path, const McqOptions& o) {
  LineReader r(path, 64u << 20);
  std::string line;
  bool tl;
  int64_t tp = 0, fp = 0, fn = 0, tn = 0;
  json errors = json::array();
  while (r.next(line, tl)) {
    if (tl || line.empty()) continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      fail(path, ":", r.line_no(), ": invalid JSON: ", e.what());
    }
    R1_CHECK(j.contains("text") && j.contains("label"), path, ":", r.line_no(), ": needs \"text\" and \"label\"");
    bool want = j["label"].get<int>() != 0;
    bool got = is_mcq(j["text"].get<std::string>(), o);
    if (want && got) ++tp;
    else if (!want && got) ++fp, errors.push_back({{"line", r.line_no()}, {"error", "false_positive"}});
    else if (want && !got) ++fn, errors.push_back({{"line", r.line_no()}, {"error", "false_negative"}});
    else ++tn;
  }
  double p = tp + fp ? (double)tp / (tp + fp) : 1.0, rc = tp + fn ? (double)tp / (tp + fn) : 1.0;
  return {{"tp", tp}, {"fp", fp}, {"fn", fn}, {"tn", tn}, {"precision", p}, {"recall", rc}, {"errors", errors}};
}

}  // namespace r1::data
