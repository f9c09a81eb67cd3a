// Helpers shared by command files: the --threads flag every command takes.
#pragma once
#include <CLI/CLI.hpp>

#include "base/threads.h"

namespace r1::cli {

inline void add_threads_flag(CLI::App& app, int& threads) {
  app.add_option("--threads", threads, "worker threads (0 = all cores)")->default_val(0);
}

}  // namespace r1::cli

// Parse a CLI11 app; on --help or a usage error, return from the command.
#define R1_PARSE(app, argc, argv)          \
  try {                                    \
    (app).parse((argc), (argv));           \
  } catch (const CLI::ParseError& e) {     \
    return (app).exit(e);                  \
  }
