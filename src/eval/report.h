// The report card: report.json ({"stages": [...]} in pipeline order),
// report.md (a table of every stage plus probes) and SVG plots.
#pragma once
#include <string>
#include <vector>

#include "base/json.h"
#include "eval/evaluate.h"
#include "eval/svg.h"

namespace r1::eval {

struct StageReport {
  std::string name;          // pretrain, cold_start, grpo, rejection_sft, distill, r1_zero
  std::string started_from;  // the checkpoint this stage began from
  Summary heldout;
  int64_t params = 0;
  double wall_s = 0;
  json extra = json::object();  // stage-specific figures (kept samples, final reward, ...)
};

json stage_json(const StageReport& s);

// Writes report.json, report.md and the given plots (file name -> svg text) into dir.
void write_report(const std::string& dir, const std::vector<StageReport>& stages, const json& header,
                  const std::vector<ProbeResult>& probes, const DecompResult& decomp,
                  const std::vector<std::pair<std::string, std::string>>& plots, const std::string& notes_md);

}  // namespace r1::eval
