#!/usr/bin/env bash
# The README's quick start, read from README.md at run time so that README and CI cannot drift: the lines of the
# first fenced code block, in order.
#   readme-quickstart.sh lines [README]       print them, one a line (blank lines dropped)
#   readme-quickstart.sh run [README]         run each with bash, as written, stopping at the first that fails
set -euo pipefail
mode=${1:?usage: readme-quickstart.sh lines|run [README]}
readme=${2:-"$(dirname "$0")/../README.md"}

lines() {
  awk '/^```/ { if (inside) exit; inside = 1; next } inside && NF' "$readme"
}

case $mode in
  lines)
    out=$(lines)
    if [[ -z $out ]]; then
      echo "readme-quickstart: no fenced code block with commands in $readme" >&2
      exit 1
    fi
    printf '%s\n' "$out"
    ;;
  run)
    mapfile -t cmds < <("$0" lines "$readme")
    for c in "${cmds[@]}"; do
      echo "readme-quickstart: \$ $c" >&2
      if ! bash -euo pipefail -c "$c"; then
        echo "readme-quickstart: this README quick-start line failed: $c" >&2
        exit 1
      fi
    done
    ;;
  *)
    echo "readme-quickstart: unknown mode '$mode' (lines or run)" >&2
    exit 2
    ;;
esac
