#!/usr/bin/env bash
# What the native engine's tests need: Python 3 with PyTorch, numpy, OpenBLAS's threaded build
# (without it PyTorch on CPU can fall back to the reference BLAS) and pytest. On Debian they come
# from the archive; elsewhere install them with pip (`pip install torch numpy pytest`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -x "$(command -v dpkg-query)" ] && [ -x "$(command -v apt-get)" ]; then
  need=()
  for pkg in python3-torch python3-numpy libopenblas0-pthread python3-pytest; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  if [ "${#need[@]}" -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
fi
python="$(bash "$here/python.sh")" || {
  echo "native/setup.sh: no Python with PyTorch, numpy and pytest; install them (pip install torch numpy pytest) or set SEQ2SEQ_PYTHON" >&2
  exit 1
}
"$python" -c 'import torch; print(f"native engine: PyTorch {torch.__version__} in {__import__(\"sys\").executable}")'
