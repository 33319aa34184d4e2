#!/usr/bin/env bash
# Installs Debian's chromium (headless browser for test/ui, driven by playwright-core with executablePath).
# Needs root (or sudo) and apt; does nothing when /usr/bin/chromium exists. No browser download by npm:
# playwright-core never fetches its own browsers, so the tests always use the distribution's build.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
command -v apt-get >/dev/null || { echo "install-chromium: no apt-get here; install chromium so that /usr/bin/chromium exists" >&2; exit 1; }
echo "installing chromium with apt-get (for the Temporal UI test)" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version >&2
