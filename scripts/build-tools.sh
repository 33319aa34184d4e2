#!/usr/bin/env bash
# Builds the pinned service binaries once per machine into $HEADWATER_CACHE/bin (default ~/.cache/headwater/bin).
# Each binary's file name carries its version, so a pin change builds anew and an existing build is reused.
# Usage: scripts/build-tools.sh [temporal|ferretdb|minio|mongo-tools|all]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
CACHE=${HEADWATER_CACHE:-$HOME/.cache/headwater}
BIN=$CACHE/bin
mkdir -p "$BIN"

say() { printf '[build-tools] %s\n' "$*" >&2; }

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    say "error: Go is not installed (needed once to build the local services: Temporal, FerretDB, MinIO)."
    say "install Go >= 1.24 (https://go.dev/dl or your package manager) and run this again."
    exit 2
  fi
}

# go_install <module/pkg> <version> <binary-name>
go_install() {
  local pkg=$1 version=$2 name=$3 out="$BIN/$3-$2"
  [ -x "$out" ] && return 0
  need_go
  say "building $name $version from $pkg (first time only; this takes several minutes)"
  local tmp; tmp=$(mktemp -d)
  GOBIN=$tmp GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "$pkg@$version"
  mv "$tmp/$(basename "${pkg%%/main}")" "$out.tmp" 2>/dev/null || mv "$tmp"/* "$out.tmp"
  mv "$out.tmp" "$out"; rm -rf "$tmp"
  say "built $out"
}

build_temporal() { go_install github.com/temporalio/cli/cmd/temporal "$TEMPORAL_CLI_VERSION" temporal; }

build_minio() { go_install github.com/minio/minio "$MINIO_VERSION" minio; }

# FerretDB panics at start unless build/version/version.txt exists, and the module does not ship it:
# download the module, copy it somewhere writable, write the version file, apply the project's patch
# (scripts/ferretdb/, pinned by its hash in versions.sh), then build.
build_ferretdb() {
  local out="$BIN/ferretdb-$FERRETDB_VERSION-$FERRETDB_PATCH_SHA" patch="$here/ferretdb/$FERRETDB_VERSION.patch"
  local sha; sha=$(sha256sum "$patch" | cut -c1-12)
  [ "$sha" = "$FERRETDB_PATCH_SHA" ] || {
    say "error: $patch has hash $sha but scripts/versions.sh pins FERRETDB_PATCH_SHA=$FERRETDB_PATCH_SHA;"
    say "a changed patch needs a new pin (and builds a new binary): set FERRETDB_PATCH_SHA=$sha"
    exit 2
  }
  [ -x "$out" ] && return 0
  need_go
  say "building ferretdb $FERRETDB_VERSION with patch $FERRETDB_PATCH_SHA (first time only; this takes a few minutes)"
  local dir; dir=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { say "error: could not download the FerretDB module"; exit 1; }
  local tmp; tmp=$(mktemp -d)
  cp -r "$dir/." "$tmp/src"; chmod -R u+w "$tmp/src"
  mkdir -p "$tmp/src/build/version"
  printf '%s' "$FERRETDB_VERSION" > "$tmp/src/build/version/version.txt"
  # git apply outside a repository works like patch(1), and refuses a patch that does not apply cleanly.
  (cd "$tmp/src" && git apply --whitespace=nowarn "$patch") || { say "error: $patch does not apply to FerretDB $FERRETDB_VERSION"; rm -rf "$tmp"; exit 1; }
  (cd "$tmp/src" && GOFLAGS=-buildvcs=false CGO_ENABLED=0 go build -o "$out.tmp" ./cmd/ferretdb)
  mv "$out.tmp" "$out"; rm -rf "$tmp"
  say "built $out"
}

# mongo-tools (for `npm run bench` only): its commands are packages named main, so each binary is renamed.
# Built from the Go module proxy only. When the proxy refuses the module, the bench leaves the mongo-tools
# baselines out and says so (a binary placed in $BIN by hand, named as below, is used if present).
build_mongo_tools() {
  local tool
  for tool in mongodump mongorestore; do
    local out="$BIN/$tool-$MONGO_TOOLS_VERSION" tmp
    [ -x "$out" ] && continue
    need_go
    tmp=$(mktemp -d)
    say "building $tool $MONGO_TOOLS_VERSION from the Go module proxy (first time only)"
    if ! GOBIN=$tmp GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "github.com/mongodb/mongo-tools/$tool/main@$MONGO_TOOLS_VERSION"; then
      rm -rf "$tmp"
      say "error: the Go module proxy did not provide $tool $MONGO_TOOLS_VERSION; mongo-tools baselines are unavailable"
      exit 3
    fi
    mv "$tmp/main" "$out"; rm -rf "$tmp"
    say "built $out"
  done
}

case "${1:-all}" in
  temporal) build_temporal ;;
  ferretdb) build_ferretdb ;;
  minio) build_minio ;;
  mongo-tools) build_mongo_tools ;;
  all) build_ferretdb; build_temporal; build_minio ;;
  *) say "usage: $0 [temporal|ferretdb|minio|mongo-tools|all]"; exit 2 ;;
esac
