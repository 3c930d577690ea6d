#!/usr/bin/env bash
# Packages only the test suite needs: Debian's Chromium for the report's browser check. Tests that need it
# skip, saying so, when it is absent. As root it installs with apt-get; otherwise it prints the command.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "lkrobust: the report browser test needs Chromium: sudo apt-get install chromium (it is skipped without)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >&2
