#!/usr/bin/env python3
"""Build tests/data/data/code/repos.jsonl: one line per file {"repo", "path",
"text", "license"}, grouped by repository. Real packages from this machine
(/usr/lib/python3.*/json and /usr/lib/python3.*/email when present) plus small
hand-written repositories covering C/C++ #include "...", JS import/require,
C# using/namespace, Rust mod/use, Python relative imports, and cycles.
The expected edges of the hand-written ones are in "expect_deps"."""
import glob, json, os, sys

HAND = {
    "demo/c-lib": {
        "src/main.c": '#include <stdio.h>\n#include "util/str.h"\n#include "net.h"\nint main(void) { return net_init(); }\n',
        "src/net.h": '#pragma once\n#include "util/str.h"\nint net_init(void);\n',
        "src/net.c": '#include "net.h"\n// #include "missing.h" is commented out\nint net_init(void) { return 0; }\n',
        "src/util/str.h": '#pragma once\n#include "../config.h"\nint str_len(const char*);\n',
        "src/config.h": '#pragma once\n#define MAX 10\n',
    },
    "demo/js-app": {
        "index.js": "const api = require('./lib/api');\nimport { render } from './ui/render.js';\nimport React from 'react';\n",
        "lib/api.js": "import { get } from './http';\nexport const api = { get };\n",
        "lib/http.ts": "export function get(u: string) { return fetch(u); }\n",
        "ui/render.js": "export { helper } from '../lib/api';\nexport function render() {}\n",
    },
    "demo/cs-app": {
        "Program.cs": "using System;\nusing App.Services;\nnamespace App {\n  class Program { static void Main() { new Greeter().Hi(); } }\n}\n",
        "Services/Greeter.cs": "using App.Models;\nnamespace App.Services;\npublic class Greeter { public void Hi() { var p = new Person(); } }\n",
        "Models/Person.cs": "namespace App.Models {\n  public class Person { public string Name; }\n}\n",
    },
    "demo/rust-crate": {
        "src/main.rs": "mod config;\nmod net;\nuse crate::net::client::Client;\nfn main() { Client::new(); }\n",
        "src/config.rs": "pub struct Config;\n",
        "src/net/mod.rs": "pub mod client;\nuse super::config::Config;\n",
        "src/net/client.rs": "use crate::config::Config;\nuse std::io;\npub struct Client;\n",
    },
    "demo/py-cycle": {
        "pkg/__init__.py": "from .a import A\n",
        "pkg/a.py": "from . import b\nclass A: pass\n",
        "pkg/b.py": "from .a import A  # cycle a <-> b\nimport pkg.c\n",
        "pkg/c.py": "import os\nVALUE = 1\n",
        "setup.py": "from pkg import A\n",
    },
}
EXPECT = {
    "demo/c-lib": {"src/main.c": ["src/util/str.h", "src/net.h"], "src/net.h": ["src/util/str.h"], "src/net.c": ["src/net.h"],
                   "src/util/str.h": ["src/config.h"], "src/config.h": []},
    "demo/js-app": {"index.js": ["lib/api.js", "ui/render.js"], "lib/api.js": ["lib/http.ts"], "lib/http.ts": [],
                    "ui/render.js": ["lib/api.js"]},
    "demo/cs-app": {"Program.cs": ["Services/Greeter.cs"], "Services/Greeter.cs": ["Models/Person.cs"], "Models/Person.cs": []},
    "demo/rust-crate": {"src/main.rs": ["src/config.rs", "src/net/mod.rs", "src/net/client.rs"], "src/config.rs": [],
                        "src/net/mod.rs": ["src/net/client.rs", "src/config.rs"], "src/net/client.rs": ["src/config.rs"]},
    "demo/py-cycle": {"pkg/__init__.py": ["pkg/a.py"], "pkg/a.py": ["pkg/b.py"],
                      "pkg/b.py": ["pkg/a.py", "pkg/c.py"], "pkg/c.py": [], "setup.py": ["pkg/__init__.py"]},
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/data/code/repos.jsonl"
    rows = []
    for name in sorted(HAND):
        # Files listed in reverse dependency-unfriendly order on purpose.
        for path in sorted(HAND[name], reverse=True):
            rows.append({"repo": name, "path": path, "text": HAND[name][path], "license": "MIT",
                         "expect_deps": EXPECT[name][path]})
    for pkg in ("json", "email"):
        dirs = sorted(glob.glob(f"/usr/lib/python3.*/{pkg}"))
        if not dirs:
            continue
        base = dirs[0]
        files = sorted(f for f in glob.glob(base + "/**/*.py", recursive=True))
        for f in reversed(files):
            rel = os.path.relpath(f, os.path.dirname(base))
            with open(f, encoding="utf-8") as fh:
                rows.append({"repo": "cpython/" + pkg, "path": rel, "text": fh.read(), "license": "PSF"})
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} files -> {out}")


if __name__ == "__main__":
    main()
