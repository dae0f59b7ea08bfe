#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100) into .cache/code-server, outside the extension's
# dependency tree, on a machine that reaches only the npm registry and Debian's archive.
# Debian packages it builds against (libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev
# pkg-config ripgrep) are installed by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
prefix="$root/.cache/code-server"
version=4.100.3
bin="$prefix/node_modules/code-server/out/node/entry.js"
if [ -f "$bin" ] && [ "$(node -p "require('$prefix/node_modules/code-server/package.json').version")" = "$version" ]; then
  echo "code-server $version already installed in $prefix"
  exit 0
fi
command -v rg >/dev/null || { echo "ripgrep (rg) is missing: apt-get install -y ripgrep" >&2; exit 1; }
# @vscode/ripgrep downloads rg from GitHub unless its cache holds the archive: seed it with Debian's rg.
cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
pack="$(mktemp -d)"
mkdir -p "$cache"
cp "$(command -v rg)" "$pack/rg"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$pack" rg
rm -rf "$pack"
mkdir -p "$prefix"
cd "$prefix"
[ -f package.json ] || echo '{"name":"code-server-cache","private":true}' > package.json
# code-server's postinstall builds VS Code's native modules with nested npm installs; npm 11
# skips dependency install scripts unless approved, so allow them for this test tool only.
# Its postinstall also refuses root without unsafe-perm, and node-pty's runs npx.
npm_config_dangerously_allow_all_scripts=true npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund --no-save "code-server@$version"
echo "code-server $version installed in $prefix"
