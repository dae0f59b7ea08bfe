#!/usr/bin/env bash
# What the native engine's tests need: Python 3 with PyTorch, numpy, OpenBLAS's threaded build
# (without it PyTorch on CPU can fall back to the reference BLAS) and pytest. On Debian they come
# from the archive; elsewhere install them with pip (`pip install torch numpy pytest`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$(command -v dpkg-query)" ] && [ -x "$(command -v apt-get)" ]; then
  bash "$here/../scripts/apt-need.sh" python3-torch python3-numpy libopenblas0-pthread python3-pytest
fi
python="$(bash "$here/python.sh")" || {
  echo "native/setup.sh: no Python with PyTorch, numpy and pytest; install them (pip install torch numpy pytest) or set SEQ2SEQ_PYTHON" >&2
  exit 1
}
"$python" -c 'import sys, torch; print("native engine: PyTorch", torch.__version__, "in", sys.executable)'
