#!/usr/bin/env bash
# `npm run demo`: installs what is missing, starts the local services, and runs demo/demo.ts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/service-env.sh
[ -f node_modules/.package-lock.json ] || npm install --no-audit --no-fund
scripts/services.sh up
exec npx tsx demo/demo.ts
