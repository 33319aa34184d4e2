#!/usr/bin/env bash
# Proves the smoke tests are real: stops each service in turn, runs its smoke test, and requires the test
# to fail with a message that names the service; then starts the service again. Run by CI after npm test.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/service-env.sh
declare -A smoke=([temporal]=test/smoke/temporal.test.ts [source]=test/smoke/oplog.test.ts [minio]=test/smoke/minio.test.ts)
rc=0
for s in temporal source minio; do
  scripts/services.sh down "$s"
  out=$(node --import tsx --test --test-reporter=spec "${smoke[$s]}" 2>&1); code=$?
  if [ $code -ne 0 ] && grep -q "$s service" <<<"$out"; then
    echo "ok: with $s stopped, ${smoke[$s]} fails and names it: $(grep -o "$s service[^.]*" <<<"$out" | head -n 1)"
  else
    echo "FAIL: with $s stopped, ${smoke[$s]} exited $code without naming the service:"; echo "$out" | tail -n 20; rc=1
  fi
  scripts/services.sh up "$s" >/dev/null 2>&1 || { echo "FAIL: could not restart $s"; rc=1; }
done
exit $rc
