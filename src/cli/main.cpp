// r1: the single executable. Dispatches to registered subcommands and turns
// every r1::Error into a one-line message and a non-zero exit.
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <new>
#include <string>
#include <unistd.h>

#include "base/error.h"
#include "cli/registry.h"

namespace r1::cli {

struct Entry {
  const char* summary;
  CommandFn fn;
};

static std::map<std::string, Entry>& commands() {
  static std::map<std::string, Entry> m;
  return m;
}

Registrar::Registrar(const char* name, const char* summary, CommandFn fn) { commands()[name] = {summary, fn}; }

static void usage(FILE* out) {
  fprintf(out, "r1: the DeepSeek-R1 system in one C++ executable\n\nusage: r1 <command> [options]   (r1 <command> --help for details)\n\ncommands:\n");
  for (auto& [name, e] : commands()) fprintf(out, "  %-16s %s\n", name.c_str(), e.summary);
}

}  // namespace r1::cli

// OpenMP threads that spin-wait steal the core from the thread doing the work
// whenever the machine is busier than --threads assumes (measured on a loaded
// 2-core box: 2-thread decode of v3_tiny at 2.5 tok/s with libgomp's default
// spin, 190 with a 1000-iteration spin, 1170 passive). libgomp reads its wait
// policy before main(), so set passive and re-exec once; an explicit
// OMP_WAIT_POLICY or GOMP_SPINCOUNT from the user wins (OMP_WAIT_POLICY=active
// for benchmarks on an idle machine).
static void bound_openmp_spinning(char** argv) {
  if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT") || getenv("R1_NO_REEXEC")) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  setenv("R1_NO_REEXEC", "1", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on with the defaults
}

int main(int argc, char** argv) {
  using namespace r1::cli;
  bound_openmp_spinning(argv);
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return argc < 2 ? 1 : 0;
  }
  auto it = commands().find(argv[1]);
  if (it == commands().end()) {
    fprintf(stderr, "r1: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
  }
  try {
    return it->second.fn(argc - 1, argv + 1);
  } catch (const r1::Error& e) {
    fprintf(stderr, "r1 %s: error: %s\n", argv[1], e.what());
  } catch (const std::bad_alloc&) {
    fprintf(stderr, "r1 %s: error: out of memory\n", argv[1]);
  } catch (const std::exception& e) {
    fprintf(stderr, "r1 %s: error: %s\n", argv[1], e.what());
  }
  return 1;
}
