#include "eval/report.h"

#include <cstdio>
#include <filesystem>

namespace r1::eval {

json stage_json(const StageReport& s) {
  json j = {{"name", s.name},
            {"started_from", s.started_from},
            {"heldout_pass1", s.heldout.pass1},
            {"heldout_pass_k", s.heldout.pass_k},
            {"heldout_cons_k", s.heldout.cons_k},
            {"heldout_greedy", s.heldout.greedy_acc},
            {"format_rate", s.heldout.format_rate},
            {"mean_response_tokens", s.heldout.mean_len},
            {"k", s.heldout.k},
            {"heldout_problems", s.heldout.problems},
            {"params", s.params},
            {"wall_s", s.wall_s}};
  for (auto& [k, v] : s.extra.items()) j[k] = v;
  return j;
}

static std::string f(double v, const char* fmt = "%.3f") {
  char b[64];
  snprintf(b, sizeof b, fmt, v);
  return b;
}

void write_report(const std::string& dir, const std::vector<StageReport>& stages, const json& header,
                  const std::vector<ProbeResult>& probes, const DecompResult& decomp,
                  const std::vector<std::pair<std::string, std::string>>& plots, const std::string& notes) {
  std::filesystem::create_directories(dir);
  json j = header;
  j["stages"] = json::array();
  for (auto& s : stages) j["stages"].push_back(stage_json(s));
  json pj = json::array();
  for (auto& p : probes) pj.push_back({{"probe", p.name}, {"pass1", p.pass1}, {"drop", p.drop}, {"problems", p.problems}});
  j["perturbation_probes"] = pj;
  j["subtask_decomposition"] = {{"whole_pass1", decomp.whole_pass1},
                                {"parts_pass1", decomp.parts_pass1},
                                {"all_parts_solved_whole_wrong", decomp.all_parts_solved_whole_wrong},
                                {"problems", decomp.problems},
                                {"parts", decomp.parts}};
  write_file_atomic(dir + "/report.json", j.dump(2) + "\n");

  std::string md = "# r1 recipe report card\n\n";
  md += notes;
  int k = stages.empty() ? 0 : stages[0].heldout.k;
  md += "\n## Stages (held-out set, " + std::to_string(stages.empty() ? 0 : stages[0].heldout.problems) +
        " problems, k = " + std::to_string(k) + " samples at T 0.6, top-p 0.95)\n\n";
  md += "| stage | from | pass@1 | cons@" + std::to_string(k) + " | greedy | format rate | mean length (tokens) | params | wall (s) |\n";
  md += "|---|---|---|---|---|---|---|---|---|\n";
  for (auto& s : stages)
    md += "| " + s.name + " | " + s.started_from + " | " + f(s.heldout.pass1) + " | " + f(s.heldout.cons_k) + " | " +
          f(s.heldout.greedy_acc) + " | " + f(s.heldout.format_rate) + " | " + f(s.heldout.mean_len, "%.1f") + " | " +
          std::to_string(s.params) + " | " + f(s.wall_s, "%.1f") + " |\n";
  if (!probes.empty()) {
    md += "\n## Perturbation probes (final model)\n\n| probe | pass@1 | drop vs original |\n|---|---|---|\n";
    for (auto& p : probes) md += "| " + p.name + " | " + f(p.pass1) + " | " + f(p.drop, "%+.3f") + " |\n";
  }
  if (decomp.problems > 0) {
    md += "\n## Sub-task decomposition (final model)\n\n";
    md += "Whole problems pass@1 " + f(decomp.whole_pass1) + " over " + std::to_string(decomp.problems) +
          " problems; their " + std::to_string(decomp.parts) + " steps as separate problems: pass@1 " +
          f(decomp.parts_pass1) + ". Problems whose every step is solved (greedy) but not the whole: " +
          f(100 * decomp.all_parts_solved_whole_wrong, "%.1f") + "%.\n";
  }
  if (!plots.empty()) {
    md += "\n## Plots\n\n";
    for (auto& [name, svg] : plots) {
      write_file_atomic(dir + "/" + name, svg);
      md += "![" + name + "](" + name + ")\n";
    }
  }
  write_file_atomic(dir + "/report.md", md);
}

}  // namespace r1::eval
