#!/usr/bin/env bash
# Builds a local stand-in for the official `node:<major>-bookworm-slim` image (the CPU
# Dockerfile's NODE_IMAGE, node:24-bookworm-slim) on a machine that can run Docker but cannot
# pull from any image registry (only the Debian mirror apt uses and the npm registry are
# reachable). Normal builds keep pulling the official image; this script only tags an
# equivalent image locally so `FROM node:24-bookworm-slim` resolves without a pull.
#
# What goes in:
#   - Debian bookworm, `debootstrap --variant=minbase`, from the mirror this machine's apt uses
#   - the official node binary of the tag's major (latest release of it) and its C headers,
#     from the npm registry (package node-linux-<arch>, via scripts/node-lts.sh and its cache),
#     so node-gyp builds native modules (better-sqlite3, hnswlib-node) without downloading
#     headers; the image sets npm_config_nodedir to them
#   - this machine's npm and corepack (if any)
#   - the CA file `npm config get cafile` names, trusted through NODE_EXTRA_CA_CERTS, so npm
#     reaches the registry through whatever TLS interception this network uses
#   - a `node` user and group (uid/gid 1000) as in the official image
#
# Usage: docker/local-base.sh [--force] [--tag IMAGE] [--mirror URL]
#   Skips when IMAGE already exists locally, unless --force.
#   IMAGE defaults to the NODE_IMAGE the CPU Dockerfile names (node:24-bookworm-slim); its
#   major (node:<major>...) picks the node. Needs root (debootstrap), docker, debootstrap, and
#   npm (with any node) on this machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
force=0
tag=""
mirror="${LOCAL_BASE_MIRROR:-}"
security_mirror="${LOCAL_BASE_SECURITY_MIRROR:-}"
suite=bookworm

while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --tag) tag="$2"; shift ;;
    --mirror) mirror="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/!p}' "$0"; exit 0 ;;
    *) echo "local-base: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "local-base: $*" >&2; exit 1; }

if [ -z "$tag" ]; then
  tag="$(sed -n 's/^ARG NODE_IMAGE=\(.*\)$/\1/p' "$here/Dockerfile" | head -n1)"
  [ -n "$tag" ] || die "cannot read ARG NODE_IMAGE from $here/Dockerfile; pass --tag"
fi

command -v docker >/dev/null || die "docker is not installed"
docker info >/dev/null 2>&1 || die "the Docker daemon is not reachable (start dockerd)"

if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "local-base: $tag already exists ($(docker image inspect -f '{{.Id}}' "$tag" | cut -c1-19)); --force rebuilds it"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm must be installed here"

major="$(printf '%s' "$tag" | sed -n 's/^\(.*\/\)\{0,1\}node:\([0-9][0-9]*\)\([.-].*\)\{0,1\}$/\2/p')"
[ -n "$major" ] || die "cannot read a node major from $tag (expected node:<major>-...)"
node_bindir="$("$here/../scripts/node-lts.sh" --major "$major" path)" \
  || die "cannot get node $major from the npm registry (scripts/node-lts.sh)"
node_dir="$(dirname "$node_bindir")"
node_bin="$node_bindir/node"
node_version="$("$node_bin" --version)"
npm_root="$(npm root -g)"
[ -f "$npm_root/npm/package.json" ] || die "npm not found under $npm_root"
nodedir="$node_dir"
[ -f "$nodedir/include/node/node.h" ] || die "no node headers under $nodedir/include/node"
[ -f "$nodedir/include/node/common.gypi" ] || die "$nodedir/include/node/common.gypi missing: node-gyp needs it"
cafile="$(npm config get cafile)"
if [ -z "$cafile" ] || [ "$cafile" = undefined ] || [ "$cafile" = null ]; then
  cafile=""
  echo "local-base: npm has no cafile configured; the image trusts node's built-in CAs only"
else
  [ -f "$cafile" ] || die "npm cafile $cafile does not exist"
fi

# The mirror apt already uses (deb822 or one-line sources); deb.debian.org otherwise.
first_uri() {
  local pattern="$1"
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
    | awk -v p="$pattern" 'tolower($1)=="uris:" { for (i=2;i<=NF;i++) if ($i ~ p) { print $i; exit } }'
  { grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } \
    | awk -v p="$pattern" '{ for (i=2;i<=NF;i++) if ($i ~ /^https?:\/\// && $i ~ p) { print $i; exit } }'
  return 0
}
if [ -z "$mirror" ]; then
  mirror="$(first_uri '/debian/?$' | head -n1)"
  mirror="${mirror:-http://deb.debian.org/debian}"
fi
if [ -z "$security_mirror" ]; then
  security_mirror="$(first_uri '/debian-security/?$' | head -n1)"
  security_mirror="${security_mirror:-http://deb.debian.org/debian-security}"
fi

work="$(mktemp -d /tmp/local-base.XXXXXX)"
root="$work/rootfs"
import_tag="facestream-local-base-rootfs:$$"
cleanup() {
  # debootstrap may leave proc/sys mounted inside the target on failure
  for m in proc sys dev/pts dev; do
    mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m" || true
  done
  rm -rf "$work"
  docker image rm -f "$import_tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "local-base: debootstrap --variant=minbase $suite from $mirror"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# apt sources as in the official image: the release, its updates and security
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite ${suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: ${suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# Container-friendly apt, as Debian's official images configure it
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
echo 'APT::Install-Recommends "false";' >"$root/etc/apt/apt.conf.d/docker-no-recommends"

# node and its headers (npm registry), this machine's npm and corepack, under /usr as Debian's
# packages put them (the official image uses /usr/local; both are on PATH)
install -m 0755 "$node_bin" "$root/usr/bin/node"
mkdir -p "$root/usr/lib/node_modules" "$root/usr/include"
cp -a "$npm_root/npm" "$root/usr/lib/node_modules/npm"
[ -d "$npm_root/corepack" ] && cp -a "$npm_root/corepack" "$root/usr/lib/node_modules/corepack"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
[ -d "$root/usr/lib/node_modules/corepack" ] \
  && ln -sf ../lib/node_modules/corepack/dist/corepack.js "$root/usr/bin/corepack"
cp -a "$nodedir/include/node" "$root/usr/include/node"
ca_env=""
if [ -n "$cafile" ]; then
  mkdir -p "$root/usr/local/share/facestream-local-base"
  install -m 0644 "$cafile" "$root/usr/local/share/facestream-local-base/npm-cafile.pem"
  ca_env="NODE_EXTRA_CA_CERTS=/usr/local/share/facestream-local-base/npm-cafile.pem"
fi

env -u NODE_EXTRA_CA_CERTS chroot "$root" /bin/sh -e -c '
  groupadd --gid 1000 node
  useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  node --version >/dev/null && npm --version >/dev/null
' || die "node does not run inside the new root filesystem"

rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/var/log/*.log "$root"/tmp/* "$root"/root/.npm
printf '%s\n' "facestream local base: debian $suite minbase from $mirror, node $node_version from the npm registry, built $(date -u +%FT%TZ)" \
  >"$root/etc/facestream-local-base"

echo "local-base: importing the root filesystem"
tar --numeric-owner --xattrs -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'ENV npm_config_nodedir=/usr' \
  ${ca_env:+--change "ENV $ca_env"} \
  --change 'CMD ["node"]' \
  --message "facestream local base (node $node_version, debian $suite minbase)" \
  - "$import_tag" >/dev/null
docker tag "$import_tag" "$tag"

# The same checks a build relies on: node, npm, headers, CA, the node user
docker run --rm "$tag" sh -e -c '
  node -e "process.exit(process.versions.node.startsWith(\"'"$major"'.\") ? 0 : 1)"
  npm --version >/dev/null
  test -f "$npm_config_nodedir/include/node/node.h"
  id node >/dev/null
  test -z "$NODE_EXTRA_CA_CERTS" || test -s "$NODE_EXTRA_CA_CERTS"
' || die "the imported image fails its own checks"

echo "local-base: tagged $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1/1e6 }'), node $node_version)"
