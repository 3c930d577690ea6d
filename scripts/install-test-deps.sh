#!/usr/bin/env bash
# Packages only the test suite needs, those missing: Debian's Chromium for the report's browser check, and
# dataset-fashion-mnist (the real Fashion-MNIST IDX files under /usr/share/datasets/fashion-mnist) for the IDX
# reader's real-file test and the training tests on real images. Tests that need them skip, saying so, when
# they are absent. As root it installs with apt-get; otherwise it prints the command.
set -euo pipefail
missing=()
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then missing+=(chromium); fi
if [[ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then missing+=(dataset-fashion-mnist); fi
if [[ ${#missing[@]} -eq 0 ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "lkrobust: some tests need: sudo apt-get install ${missing[*]} (they are skipped without)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
