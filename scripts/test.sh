#!/usr/bin/env bash
# `npm test`: from a fresh clone to a full run. Installs what is missing (node modules, the pinned service
# binaries), starts the local services, checks types, lint and the workflow bundle, then runs every test
# under node's test runner. Exits non-zero on any failure.
# Run a subset with: npm test -- test/oplog test/smoke/minio.test.ts
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/service-env.sh
step() { printf '\n== %s\n' "$*" >&2; }

# `npm install`, not `npm ci`: npm 11 leaves @swc/core's foreign-platform optional packages out of the
# lock and then refuses `npm ci`; `npm install` follows the lock and installs what is missing, and with
# --no-save it leaves package-lock.json as committed (npm would otherwise add those packages to it). A stamp
# of the lock's hash in node_modules says whether the installed tree follows the current lock. zstd-napi's
# install script (allowScripts) compiles its binding against the local Node headers.
stamp=node_modules/.headwater-lock.sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$(sha256sum < package-lock.json)" ] \
  || [ ! -f node_modules/zstd-napi/build/Release/binding.node ]; then
  step "installing node modules (npm install, following package-lock.json)"
  npm install --no-save --no-audit --no-fund
  sha256sum < package-lock.json > "$stamp"
fi

step "starting local services (first run builds them from Go modules: several minutes)"
scripts/services.sh up

# The Temporal UI test (test/ui) drives Debian's chromium headless through playwright-core: install it once.
if [ ! -x /usr/bin/chromium ]; then
  step "installing chromium (apt-get) for the Temporal UI test"
  bash scripts/install-chromium.sh || echo "chromium could not be installed: the Temporal UI test will fail" >&2
fi

step "typecheck, lint, build (the workflow bundle and the CLI the tests start)"
npx tsc --noEmit -p .
npx eslint --max-warnings 0 .
# Builds dist/cli.mjs and dist/workflows.js (what the tests start), failing on the bundler's errors.
node scripts/build.mjs

step "tests"
if [ $# -gt 0 ]; then targets=("$@"); else targets=(test); fi
mapfile -t files < <(find "${targets[@]}" -name '*.test.ts' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files under: ${targets[*]}" >&2; exit 1; }
# The long end-to-end files (the 100,000-document sync, the 5-minute soak) run side by side in a lane of
# their own, beside the rest of the suite: each has a source of its own (the sync's 100,000 inserts no
# longer roll over the shared oplog under other tests' captures; the soak runs a whole service set of its
# own), and most of the suite waits on servers rather than computing (a full run used about half of the two
# cores), so the lanes overlap instead of adding up. One after the other they took 25 minutes, the whole
# suite's length.
slow=(test/workflows/initial-sync.test.ts test/soak/soak.test.ts)
# The secret scan reads every workflow history and worker log the suite left: it runs after everything.
scan=test/secrets/history-scan.test.ts
rest=()
alone=()
last=()
for f in "${files[@]}"; do
  if [[ " ${slow[*]} " == *" $f "* ]]; then alone+=("$f"); elif [ "$f" = "$scan" ]; then last+=("$f"); else rest+=("$f"); fi
done
times=$(mktemp -d)
trap 'rm -rf "$times" "$times.worker-logs" "$times.alone.out"' EXIT
run() { # run <name> <files...>: the spec report on stdout, each test's duration to $times/<name>
  local name=$1; shift
  node --import tsx --test --test-concurrency="${HW_TEST_CONCURRENCY:-2}" --test-timeout=1200000 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./scripts/test-durations.mjs --test-reporter-destination="$times/$name" "$@"
}
status=0
# The scan covers the workflows started from here on, and the logs of this run's worker processes.
export HW_SUITE_STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ) HW_TEST_LOG_DIR="$times.worker-logs"
lane=
if [ ${#alone[@]} -gt 0 ]; then
  step "in a lane of their own, beside the rest: ${alone[*]} (their report follows the rest's)"
  HW_TEST_CONCURRENCY=${#alone[@]} run alone "${alone[@]}" > "$times.alone.out" 2>&1 &
  lane=$!
fi
if [ ${#rest[@]} -gt 0 ]; then run rest "${rest[@]}" || status=1; fi
if [ -n "$lane" ]; then
  wait "$lane" || status=1
  step "the lane of its own: ${alone[*]}"
  cat "$times.alone.out"
fi
if [ ${#last[@]} -gt 0 ]; then
  step "secret scan of every workflow history and worker log of this run: ${last[*]}"
  run last "${last[@]}" || status=1
fi
step "test times"
node scripts/test-durations.mjs "$times"/* || true
step "tests: $([ $status -eq 0 ] && echo 'all passed' || echo 'FAILED (see both summaries above)') in $((SECONDS / 60)) min $((SECONDS % 60)) s"
echo "The local services are still up (so the next run starts at once): 'npm run services -- status' lists them," >&2
echo "'npm run services -- down' stops them all." >&2
exit $status
