#include "base/json.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/utf8.h"

namespace r1 {

std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, ": cannot open: ", std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

json parse_jsonl_line(const std::string& line, const std::string& file, size_t lineno) {
  size_t bad = utf8_invalid_at(line);
  R1_CHECK(bad == std::string::npos, file, ": line ", lineno, ": invalid UTF-8 at byte ", bad);
  try {
    return json::parse(line);
  } catch (const json::parse_error& e) {
    fail(file, ": line ", lineno, ": invalid JSON: ", e.what());
  }
}

std::string jsonl_string(const json& j, const char* key, const std::string& file, size_t lineno) {
  R1_CHECK(j.is_object() && j.contains(key) && j[key].is_string(), file, ": line ", lineno,
           ": expected an object with a string \"", key, "\"");
  return j[key].get<std::string>();
}

json read_json_file(const std::string& path) {
  std::string s = read_text_file(path);
  try {
    return json::parse(s);
  } catch (const json::parse_error& e) {
    fail(path, ": invalid JSON: ", e.what());
  }
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail(tmp, ": cannot create: ", std::strerror(errno));
  size_t off = 0;
  while (off < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      fail(tmp, ": write failed: ", std::strerror(e));
    }
    off += (size_t)n;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) fail(tmp, ": fsync/close failed: ", std::strerror(errno));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(path, ": rename failed: ", std::strerror(errno));
}

}  // namespace r1
