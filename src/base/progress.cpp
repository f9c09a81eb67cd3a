#include "base/progress.h"

#include <unistd.h>

#include <cstdio>

namespace r1 {

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), tty_(isatty(2)), start_(std::chrono::steady_clock::now()), last_(start_) {}

static std::string fmt_secs(double s) {
  char b[32];
  int t = (int)(s + 0.5);
  if (t >= 3600) snprintf(b, sizeof b, "%dh%02dm", t / 3600, (t / 60) % 60);
  else snprintf(b, sizeof b, "%dm%02ds", t / 60, t % 60);
  return b;
}

void Progress::update(int64_t done, const std::string& extra) {
  auto now = std::chrono::steady_clock::now();
  double since_last = std::chrono::duration<double>(now - last_).count();
  bool last = done >= total_;
  if (!last && since_last < (tty_ ? 0.1 : 10.0)) return;
  last_ = now;
  double el = std::chrono::duration<double>(now - start_).count();
  double frac = total_ > 0 ? (double)done / (double)total_ : 1.0;
  double eta = frac > 0 ? el / frac - el : 0;
  if (tty_) {
    const int W = 24;
    int fill = (int)(frac * W);
    std::string bar(fill, '#');
    bar += std::string(W - fill, '.');
    fprintf(stderr, "\r%s [%s] %lld/%lld %s | %s<%s  ", label_.c_str(), bar.c_str(), (long long)done,
            (long long)total_, extra.c_str(), fmt_secs(el).c_str(), fmt_secs(eta).c_str());
  } else {
    fprintf(stderr, "%s %lld/%lld %s | elapsed %s eta %s\n", label_.c_str(), (long long)done, (long long)total_,
            extra.c_str(), fmt_secs(el).c_str(), fmt_secs(eta).c_str());
  }
  fflush(stderr);
}

void Progress::finish(const std::string& extra) {
  last_ = std::chrono::steady_clock::time_point{};
  update(total_, extra);
  if (tty_) fprintf(stderr, "\n");
}

}  // namespace r1
