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
# lock and then refuses `npm ci`; `npm install` follows the lock and installs what is missing. zstd-napi's
# install script (allowScripts) compiles its binding against the local Node headers.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ ! -f node_modules/zstd-napi/build/Release/binding.node ]; then
  step "installing node modules (npm install, following package-lock.json)"
  npm install --no-audit --no-fund
fi

step "starting local services (first run builds them from Go modules: several minutes)"
scripts/services.sh up

step "typecheck, lint, workflow bundle"
npx tsc --noEmit -p .
npx eslint --max-warnings 0 .
npx tsx src/worker/bundle.ts --check

step "tests"
if [ $# -gt 0 ]; then targets=("$@"); else targets=(test); fi
mapfile -t files < <(find "${targets[@]}" -name '*.test.ts' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files under: ${targets[*]}" >&2; exit 1; }
# The 100,000-document sync runs alone after the rest: beside the whole suite on 2 cores FerretDB slowed
# it past 15 minutes; alone it takes 8 to 15. Both runs always happen; the exit says if either failed.
slow=test/workflows/initial-sync.test.ts
rest=()
alone=()
for f in "${files[@]}"; do if [ "$f" = "$slow" ]; then alone+=("$f"); else rest+=("$f"); fi; done
run() {
  node --import tsx --test --test-concurrency="${HW_TEST_CONCURRENCY:-2}" --test-timeout=1200000 \
    --test-reporter=spec "$@"
}
status=0
if [ ${#rest[@]} -gt 0 ]; then run "${rest[@]}" || status=1; fi
if [ ${#alone[@]} -gt 0 ]; then
  step "tests run alone: ${alone[*]}"
  run "${alone[@]}" || status=1
fi
step "tests: $([ $status -eq 0 ] && echo 'all passed' || echo 'FAILED (see both summaries above)')"
exit $status
