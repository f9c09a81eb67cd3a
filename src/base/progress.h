// Progress display for long commands: a redrawn bar on a TTY (stderr), plain
// periodic lines otherwise, so logs stay readable in CI.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace r1 {

class Progress {
 public:
  Progress(std::string label, int64_t total);
  // done: units finished so far; extra: free text such as "loss 2.31 | 5400 tok/s"
  void update(int64_t done, const std::string& extra = "");
  void finish(const std::string& extra = "");

 private:
  std::string label_;
  int64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace r1
