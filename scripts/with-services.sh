#!/usr/bin/env bash
# Runs a command with the local services up (used by `npm run bench` and `npm run soak`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/service-env.sh
scripts/services.sh up >&2
exec npx "$@"
