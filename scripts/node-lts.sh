#!/usr/bin/env bash
# Another Node.js major (default 24, the current LTS) from the npm registry: no nodejs.org, no
# GitHub. The official build is published on npm as `node-linux-<arch>` (what the `node` package
# installs): the node binary plus its C headers, so node-gyp builds native modules
# (better-sqlite3, hnswlib-node, webgpu, msgpackr-extract) from source without downloading
# anything. npm itself is this machine's npm, run by that node.
#
#   scripts/node-lts.sh [--major N] exec CMD [ARGS...]  run CMD with that node first on PATH and
#                                                       npm_config_nodedir set to its headers
#   scripts/node-lts.sh [--major N] test [ARGS...]      the working tree (tracked and untracked,
#       not ignored files; this checkout's node_modules and dist stay as they are) copied to
#       <cache>/tree-node<N>, then `npm ci` and `npm test -- ARGS` there with that node, with
#       FACESTREAM_TEST_DATA pointing at the shared data (default ../shared/data of this checkout)
#   scripts/node-lts.sh [--major N] path                print that node's bin directory
#
# Cache: $FACESTREAM_NODE_CACHE, default ~/.cache/facestream-node (node-v<version>/ per version).
# Version: NODE_LTS_VERSION=24.x.y pins one; otherwise the newest N.x the registry has, or the
# newest cached one when the registry cannot be asked.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${FACESTREAM_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/facestream-node}"
major=24
[ "${1:-}" = --major ] && { major="$2"; shift 2; }
mode="${1:-}"; shift || true
die() { echo "node-lts: $*" >&2; exit 1; }

case "$(uname -m)" in
  x86_64) arch=x64 ;; aarch64) arch=arm64 ;; ppc64le) arch=ppc64le ;; s390x) arch=s390x ;;
  *) die "no node-linux package for $(uname -m)" ;;
esac
pkg="node-linux-$arch"

# Resolve and install (once per version) into $cache/node-v<version>
version="${NODE_LTS_VERSION:-}"
if [ -z "$version" ]; then
  version="$(npm view "$pkg@$major" version 2>/dev/null | sed -n "s/.*'\(.*\)'\$/\1/p;/^[0-9][0-9.]*\$/p" | sort -V | tail -n1)" || true
  [ -n "$version" ] || version="$(ls -d "$cache/node-v$major".* 2>/dev/null | sed 's/.*node-v//' | sort -V | tail -n1)"
  [ -n "$version" ] || die "cannot resolve $pkg@$major (registry unreachable, nothing cached in $cache)"
fi
dir="$cache/node-v$version"
if [ ! -x "$dir/bin/node" ] || [ ! -f "$dir/include/node/common.gypi" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.get.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "node-lts: fetching $pkg@$version from the npm registry" >&2
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  [ "$("$tmp/package/bin/node" --version)" = "v$version" ] || die "$pkg@$version: its node does not run here"
  [ -f "$tmp/package/include/node/common.gypi" ] || die "$pkg@$version has no include/node headers"
  rm -rf "$dir" && mv "$tmp/package" "$dir"
  rm -rf "$tmp"; trap - EXIT
fi

export PATH="$dir/bin:$PATH" npm_config_nodedir="$dir"
case "$mode" in
  path) echo "$dir/bin" ;;
  exec) [ $# -gt 0 ] || die "exec needs a command"; exec "$@" ;;
  test)
    tree="$cache/tree-node$major"
    export FACESTREAM_TEST_DATA="${FACESTREAM_TEST_DATA:-$repo/../shared/data}"
    FACESTREAM_TEST_DATA="$(cd "$FACESTREAM_TEST_DATA" && pwd)" || die "no test data at $FACESTREAM_TEST_DATA"
    rm -rf "$tree" && mkdir -p "$tree"
    if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
      # files deleted in the working tree but still in the index are skipped
      (cd "$repo" && git ls-files -z -co --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done \
        | tar --null -T - -cf -) | tar -xf - -C "$tree"
    else
      tar -C "$repo" --exclude=./node_modules --exclude=./dist --exclude=./.git -cf - . | tar -xf - -C "$tree"
    fi
    cd "$tree"
    echo "node-lts: node $(node --version), npm $(npm --version), tree $tree, data $FACESTREAM_TEST_DATA" >&2
    npm ci --no-audit --no-fund
    npm test -- "$@"
    ;;
  *) sed -n '2,/^set -euo/{/^set -euo/!s/^# \{0,1\}//p}' "$0"; exit 2 ;;
esac
