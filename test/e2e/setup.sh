#!/usr/bin/env bash
# Everything the end-to-end suite needs beyond `npm ci`: Debian's Chromium, the packages
# code-server's native modules build against, ripgrep, and code-server itself (in .cache/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/../../scripts/apt-need.sh" chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep
bash "$here/install-code-server.sh"
