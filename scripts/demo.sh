#!/usr/bin/env bash
# `npm run demo [-- --quick] [--keep] | [-- --clean <runId>]`: installs what is missing (as npm test does:
# `npm install --no-save` following the lock, stamped with its hash), starts the local services (the first
# run builds them: several minutes), and runs demo/demo.ts. Ctrl-C reaches the demo, which cleans up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/service-env.sh
stamp=node_modules/.headwater-lock.sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$(sha256sum < package-lock.json)" ] \
  || [ ! -f node_modules/zstd-napi/build/Release/binding.node ]; then
  echo "== installing node modules (npm install, following package-lock.json)" >&2
  npm install --no-save --no-audit --no-fund
  sha256sum < package-lock.json > "$stamp"
fi
case " $* " in
  *" --clean "*|*" --help "*) ;;
  *) echo "== starting the local services" >&2; scripts/services.sh up ;;
esac
# node directly (not npx tsx): one process between the terminal and the demo, so Ctrl-C is handled once.
exec node --import tsx demo/demo.ts "$@"
