#include "model/weight.h"

#include <fstream>

namespace r1 {

namespace {
size_t mem_available_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string k, unit;
  size_t v;
  while (f >> k >> v >> unit)
    if (k == "MemAvailable:") return v * 1024;
  return 0;
}
}  // namespace

void choose_weight_placement(const Checkpoint& ck) {
  size_t total = 0;
  for (auto& n : ck.names()) total += ck.info(n).nbytes;
  weights_in_hugepages() = !std::getenv("R1_MMAP_WEIGHTS") && total < mem_available_bytes() / 2;
}

}  // namespace r1
