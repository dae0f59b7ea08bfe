#!/usr/bin/env bash
# Everything the end-to-end suite needs beyond `npm ci`: Debian's Chromium, the packages
# code-server's native modules build against, ripgrep, and code-server itself (in .cache/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need=()
for pkg in chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
bash "$here/install-code-server.sh"
