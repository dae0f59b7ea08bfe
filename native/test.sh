#!/usr/bin/env bash
# The native engine's own tests (pytest). Without PyTorch they are skipped with a message, except
# in CI (CI set), where native/setup.sh has installed it and its absence is a failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! python="$(bash "$here/python.sh")"; then
  if [ -n "${CI:-}" ]; then
    echo "native/test.sh: no Python with PyTorch, numpy and pytest (run npm run setup:tests)" >&2
    exit 1
  fi
  echo "native/test.sh: skipped: no Python with PyTorch, numpy and pytest (npm run setup:tests installs them)"
  exit 0
fi
cd "$here"
OMP_NUM_THREADS=1 "$python" -m pytest -q -p no:cacheprovider tests
