#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100, the newest release on Node 20) into DEST for the
# real-editor test, without its install scripts' downloads: ripgrep comes from Debian's package
# and the native modules are built here. Idempotent: a finished install leaves DEST/.complete.
#   scripts/install-code-server.sh DEST
set -euo pipefail
version=4.100.3
dest=${1:?usage: install-code-server.sh DEST}
if [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$version" ]; then
  exit 0
fi
rg=$(command -v rg) || { echo "install-code-server: ripgrep (rg) is not installed" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
cd "$dest"
export npm_config_audit=false npm_config_fund=false
# 1. The package itself, scripts off (its postinstall would download ripgrep).
npm install --ignore-scripts --no-save "code-server@$version" >/dev/null
npm rebuild argon2 >/dev/null
vscode="$dest/node_modules/code-server/lib/vscode"
cd "$vscode"
# 2. VS Code's production dependencies, scripts off; ripgrep from Debian.
npm install --omit=dev --ignore-scripts >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$rg" node_modules/@vscode/ripgrep/bin/rg
# 3. The native modules, built from source against the installed Node's own headers (node-gyp
#    would download them otherwise). The Windows-only ones are left out.
gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$nodedir/include/node/node.h" ] || { echo "install-code-server: no Node headers in $nodedir/include/node" >&2; exit 1; }
find node_modules -name binding.gyp -not -path '*/node_modules/*/node_modules/*/node_modules/*' \
  | grep -v windows | while read -r file; do
    module=$(dirname "$file")
    if ! (cd "$module" && node "$gyp" rebuild --nodedir="$nodedir" >build.log 2>&1); then
      echo "install-code-server: could not build $module (see $module/build.log)" >&2
      exit 1
    fi
  done
# 4. The links code-server's postinstall makes.
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && rm -f code-server && ln -s code-linux.sh code-server)
(cd bin/helpers && rm -f browser.sh && ln -s browser-linux.sh browser.sh)
# 5. The built-in extensions' dependencies (plain installs, nothing to download).
(cd extensions && npm install --omit=dev >/dev/null)
echo "$version" >"$dest/.complete"
