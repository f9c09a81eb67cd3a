// Subcommand registry. Each src/cli/cmd_*.cpp registers its commands with
// R1_COMMAND; main() dispatches on argv[1]. A command receives argv with
// argv[0] = its own name and parses the rest itself (CLI11, so --help works).
#pragma once

namespace r1::cli {

using CommandFn = int (*)(int argc, char** argv);

struct Registrar {
  Registrar(const char* name, const char* summary, CommandFn fn);
};

}  // namespace r1::cli

#define R1_CONCAT2(a, b) a##b
#define R1_CONCAT(a, b) R1_CONCAT2(a, b)
#define R1_COMMAND(name, summary, fn) \
  static ::r1::cli::Registrar R1_CONCAT(r1_registrar_, __LINE__)(name, summary, fn)
