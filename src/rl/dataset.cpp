#include "rl/dataset.h"

#include <set>
#include <sstream>

#include "base/error.h"
#include "base/json.h"
#include "base/utf8.h"
#include "rl/verify.h"

namespace r1::rl {

ImportStats import_jsonl(const std::string& path, std::vector<Problem>* out) {
  std::string text = read_text_file(path);
  ImportStats st;
  std::set<std::string> seen;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (trim(line).empty()) continue;
    st.lines++;
    json j;
    try {
      j = json::parse(line);
    } catch (const std::exception&) {
      st.malformed++;
      continue;
    }
    if (!j.is_object() || !j.contains("prompt") || !j["prompt"].is_string()) {
      st.malformed++;
      continue;
    }
    std::string prompt = j["prompt"].get<std::string>();
    if (trim(prompt).empty() || !utf8_valid(prompt)) {
      st.malformed++;
      continue;
    }
    std::string ans;
    if (j.contains("answer") && j["answer"].is_string()) ans = j["answer"].get<std::string>();
    else if (j.contains("answer") && j["answer"].is_number_integer()) ans = std::to_string(j["answer"].get<int64_t>());
    else if (j.contains("answer") && j["answer"].is_number_float()) ans = j["answer"].dump();
    auto r = parse_math_answer(ans);
    if (!r) {
      st.unanswerable++;
      continue;
    }
    if (!seen.insert(prompt).second) {
      st.duplicate++;
      continue;
    }
    Problem p;
    p.task = "import";
    p.prompt = prompt;
    p.answer = r->str();
    p.kind = AnswerKind::Number;
    p.key = "import:" + prompt;
    out->push_back(std::move(p));
    st.imported++;
  }
  return st;
}

void write_problems_jsonl(const std::string& path, const std::vector<Problem>& ps) {
  std::string s;
  for (auto& p : ps) {
    json j = {{"prompt", p.prompt}, {"answer", p.answer}, {"task", p.task}, {"difficulty", p.difficulty}, {"key", p.key}};
    if (!p.trace.empty()) j["trace"] = p.trace;
    s += j.dump() + "\n";
  }
  write_file_atomic(path, s);
}

}  // namespace r1::rl
