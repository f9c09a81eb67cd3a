#include "formats/safetensors_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"
#include "base/json.h"

namespace r1 {

static void write_all(int fd, const void* p, size_t n, const std::string& path) {
  const char* c = static_cast<const char*>(p);
  while (n) {
    ssize_t w = ::write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      fail(path, ": write failed: ", std::strerror(e));
    }
    c += w;
    n -= (size_t)w;
  }
}

void write_safetensors(const std::string& path, std::vector<SafetensorsEntry> entries,
                       const std::map<std::string, std::string>& metadata) {
  std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (size_t i = 1; i < entries.size(); ++i)
    R1_CHECK(entries[i].name != entries[i - 1].name, path, ": duplicate tensor name ", entries[i].name);
  // nlohmann's ordered_json keeps insertion order: metadata first, then sorted names.
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (auto& [k, v] : metadata) m[k] = v;
    h["__metadata__"] = m;
  }
  size_t off = 0;
  for (auto& e : entries) {
    size_t n = e.t.nbytes();
    h[e.name] = {{"dtype", dtype_name(e.t.dtype())}, {"shape", e.t.shape()}, {"data_offsets", {off, off + n}}};
    off += n;
  }
  std::string hs = h.dump();
  while (hs.size() % 8) hs += ' ';
  uint64_t hl = hs.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = (unsigned char)(hl >> (8 * i));
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail(tmp, ": cannot create: ", std::strerror(errno));
  write_all(fd, len, 8, tmp);
  write_all(fd, hs.data(), hs.size(), tmp);
  for (auto& e : entries) write_all(fd, e.t.raw(), e.t.nbytes(), tmp);
  if (::fsync(fd) != 0 || ::close(fd) != 0) fail(tmp, ": fsync/close failed: ", std::strerror(errno));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(path, ": rename failed: ", std::strerror(errno));
}

}  // namespace r1
