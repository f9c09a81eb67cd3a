#include <cstdio>

#include "cli/common.h"
#include "cli/registry.h"

static int cmd_version(int argc, char** argv) {
  CLI::App app{"Print the r1 version and build configuration", "r1 version"};
  R1_PARSE(app, argc, argv);
  printf("r1.cpp 0.1.0 (C++20, OpenMP, OpenBLAS%s)\n",
#ifdef R1_HAVE_DNNL
         ", oneDNN"
#else
         ""
#endif
  );
  return 0;
}
R1_COMMAND("version", "print version and build configuration", cmd_version);
