#include "data/stage.h"

#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "base/error.h"

namespace r1::data {

namespace fs = std::filesystem;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double peak_rss_mib() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;  // Linux reports KiB
}

double seconds_since(double start) { return now_seconds() - start; }

std::string out_path_for(const std::string& out_dir, const std::string& in_path) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  R1_CHECK(!ec, out_dir, ": cannot create directory: ", ec.message());
  std::string out = (fs::path(out_dir) / fs::path(in_path).filename()).string();
  auto a = fs::weakly_canonical(in_path, ec);
  auto b = fs::weakly_canonical(out, ec);
  R1_CHECK(a != b, out, ": output would overwrite its input; choose another --out directory");
  return out;
}

void check_distinct_names(const std::vector<std::string>& inputs) {
  std::map<std::string, std::string> seen;
  for (auto& p : inputs) {
    std::string n = fs::path(p).filename().string();
    auto [it, fresh] = seen.emplace(n, p);
    R1_CHECK(fresh, p, ": same file name as ", it->second, "; outputs are DIR/<file name>, so rename one");
  }
}

void stream_file(const std::string& in_path, const std::string& out_path, const ReadOptions& opt, Counts& counts,
                 const BatchFn& fn) {
  LineReader reader(in_path, opt.max_doc_bytes);
  std::unique_ptr<LineWriter> writer;
  if (!out_path.empty()) writer = std::make_unique<LineWriter>(out_path);
  std::vector<Doc> batch;
  BatchOut out;
  while (read_batch(reader, opt, batch, counts)) {
    out.keep.assign(batch.size(), 0);
    out.line.assign(batch.size(), std::string());
    fn(batch, out);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!out.keep[i] || batch[i].status != LineStatus::ok) continue;
      ++counts.kept;
      if (writer) writer->write(out.line[i].empty() ? batch[i].raw : out.line[i]);
    }
  }
  if (writer) writer->commit();
}

}  // namespace r1::data
