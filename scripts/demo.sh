#!/usr/bin/env bash
# `npm run demo`: starts the local services, then runs the demo (smoke checks until the demo issue fills it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/service-env.sh
[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund
scripts/services.sh up
exec node --import tsx --test --test-reporter=spec test/smoke/*.test.ts
