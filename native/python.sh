#!/usr/bin/env bash
# Prints the first interpreter that imports torch, numpy and pytest: $SEQ2SEQ_PYTHON, python3 on
# the PATH, then Debian's /usr/bin/python3 (where python3-torch installs even when another
# python3 comes first on the PATH). The same order as src/training/nativeEngine.ts.
for python in ${SEQ2SEQ_PYTHON:-python3 /usr/bin/python3}; do
  if "$python" -c 'import torch, numpy, pytest' >/dev/null 2>&1; then
    echo "$python"
    exit 0
  fi
done
exit 1
