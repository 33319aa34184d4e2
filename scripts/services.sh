#!/usr/bin/env bash
# The local services Headwater's tests and demo run against, all on loopback:
#   temporal  Temporal dev server (gRPC 127.0.0.1:7233, Web UI 127.0.0.1:8233), state kept in a file
#   source    FerretDB (SQLite, the project's patched build) as replica set rs0 with a capped local.oplog.rs,
#             127.0.0.1:27117
#   head      FerretDB (SQLite, patched) for the head database and the catalog, 127.0.0.1:27118
#   minio     MinIO S3 on 127.0.0.1:9000 (console 127.0.0.1:9001) with the bucket "headwater-test"
# Usage: scripts/services.sh up|down|status|logs [service...]
# Idempotent: `up` leaves running services alone and waits until every one answers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/versions.sh"
. "$here/service-env.sh"
CACHE=${HEADWATER_CACHE:-$HOME/.cache/headwater}
BIN=$CACHE/bin
DATA=${HEADWATER_SERVICES_DIR:-$root/.services}
ALL=(temporal source head minio)

say() { printf '[services] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

pidfile() { echo "$DATA/$1.pid"; }
logfile() { echo "$DATA/$1.log"; }
alive() { local p; p=$(cat "$(pidfile "$1")" 2>/dev/null) && kill -0 "$p" 2>/dev/null; }
port_of() {
  case $1 in
    temporal) echo "$HW_TEMPORAL_PORT" ;; source) echo "$HW_SOURCE_PORT" ;;
    head) echo "$HW_HEAD_PORT" ;; minio) echo "$HW_MINIO_PORT" ;;
  esac
}
tool_of() { case $1 in source|head) echo ferretdb ;; *) echo "$1" ;; esac; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# answers <service>: a real request, not just an open port.
answers() {
  case $1 in
    temporal) "$BIN/temporal-$TEMPORAL_CLI_VERSION" operator cluster health --address "127.0.0.1:$HW_TEMPORAL_PORT" >/dev/null 2>&1 ;;
    source|head) node "$here/ping-mongo.mjs" "mongodb://127.0.0.1:$(port_of "$1")/?directConnection=true" >/dev/null 2>&1 ;;
    minio) node -e "fetch('http://127.0.0.1:$HW_MINIO_PORT/minio/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" ;;
  esac
}

launch() { # launch <service> <command...>: detached, in its own session, output to its log
  local name=$1; shift
  mkdir -p "$DATA"
  setsid nohup "$@" >>"$(logfile "$name")" 2>&1 < /dev/null &
  echo $! > "$(pidfile "$name")"
}

start_temporal() {
  mkdir -p "$DATA/temporal"
  local sa=()
  for a in $HW_SEARCH_ATTRIBUTES; do sa+=(--search-attribute "$a"); done
  launch temporal "$BIN/temporal-$TEMPORAL_CLI_VERSION" server start-dev \
    --ip 127.0.0.1 --port "$HW_TEMPORAL_PORT" --ui-ip 127.0.0.1 --ui-port "$HW_TEMPORAL_UI_PORT" \
    --db-filename "$DATA/temporal/temporal.db" --namespace default --log-level warn "${sa[@]}"
}

start_ferret() { # start_ferret <service> <port> <debug-port> [extra flags]
  local name=$1 port=$2 debug=$3; shift 3
  mkdir -p "$DATA/$name/sqlite" "$DATA/$name/state"
  launch "$name" "$BIN/ferretdb-$FERRETDB_VERSION-$FERRETDB_PATCH_SHA" \
    --listen-addr "127.0.0.1:$port" --debug-addr "127.0.0.1:$debug" \
    --handler sqlite --sqlite-url "file:$DATA/$name/sqlite/" --state-dir "$DATA/$name/state" \
    --telemetry disable --log-level ERROR "$@"
}

start_minio() {
  mkdir -p "$DATA/minio/data"
  MINIO_ROOT_USER=$HW_MINIO_USER MINIO_ROOT_PASSWORD=$HW_MINIO_PASSWORD MINIO_UPDATE=off \
    MINIO_BROWSER=on launch minio "$BIN/minio-$MINIO_VERSION" server "$DATA/minio/data" \
    --address "127.0.0.1:$HW_MINIO_PORT" --console-address "127.0.0.1:$HW_MINIO_CONSOLE_PORT" --quiet
}

start() {
  case $1 in
    temporal) start_temporal ;;
    # FerretDB reads the whole oplog for a query on ts (once per tail cursor, and for its oldest entry), so
    # the source keeps a small oplog trimmed often: 8 MiB by default (HW_OPLOG_SIZE_BYTES), cleaned every 5 s.
    source) start_ferret source "$HW_SOURCE_PORT" "$HW_SOURCE_DEBUG_PORT" --repl-set-name rs0 \
      --test-capped-cleanup-interval 5s --test-capped-cleanup-percentage 20 ;;
    head) start_ferret head "$HW_HEAD_PORT" "$HW_HEAD_DEBUG_PORT" ;;
    minio) start_minio ;;
  esac
}

wait_for() { # wait_for <service> <seconds>
  local name=$1 deadline=$((SECONDS + $2))
  until answers "$name"; do
    alive "$name" || die "$name exited while starting; last lines of $(logfile "$name"):
$(tail -n 20 "$(logfile "$name")" 2>/dev/null)"
    [ $SECONDS -lt $deadline ] || die "$name did not answer on 127.0.0.1:$(port_of "$name") within $2 s (log: $(logfile "$name"))"
    sleep 0.3
  done
}

up() {
  for s in "$@"; do "$here/build-tools.sh" "$(tool_of "$s")"; done
  [ -d "$root/node_modules/mongodb" ] || (cd "$root" && npm install --no-audit --no-fund)
  for s in "$@"; do
    if alive "$s" && answers "$s"; then say "$s already up on 127.0.0.1:$(port_of "$s")"; continue; fi
    alive "$s" && { say "$s has a process but does not answer; restarting it"; stop "$s"; }
    port_open "$(port_of "$s")" && die "port 127.0.0.1:$(port_of "$s") is taken by another program; stop it or set its HW_*_PORT"
    say "starting $s on 127.0.0.1:$(port_of "$s")"
    start "$s"
  done
  for s in "$@"; do wait_for "$s" 60; done
  # Make the services what the tests expect: a capped oplog on the source, the test bucket on MinIO.
  node "$here/init-services.mjs" "$@"
  say "up: $*"
}

stop() {
  local s=$1 p
  p=$(cat "$(pidfile "$s")" 2>/dev/null) || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$p" 2>/dev/null || true
  fi
  rm -f "$(pidfile "$s")"
}

down() { for s in "$@"; do stop "$s"; say "$s stopped"; done; }

status() {
  local rc=0
  for s in "$@"; do
    if alive "$s" && answers "$s"; then printf '%-9s up    127.0.0.1:%s\n' "$s" "$(port_of "$s")"
    elif alive "$s"; then printf '%-9s starting or stuck (pid %s)\n' "$s" "$(cat "$(pidfile "$s")")"; rc=1
    else printf '%-9s down\n' "$s"; rc=1; fi
  done
  return $rc
}

cmd=${1:-status}; shift || true
[ $# -gt 0 ] || set -- "${ALL[@]}"
for s in "$@"; do case " ${ALL[*]} " in *" $s "*) ;; *) die "unknown service '$s' (one of: ${ALL[*]})" ;; esac; done
case $cmd in
  up) up "$@" ;;
  down) down "$@" ;;
  status) status "$@" ;;
  logs) for s in "$@"; do echo "== $s ($(logfile "$s"))"; tail -n "${LINES_TO_SHOW:-40}" "$(logfile "$s")" 2>/dev/null || true; done ;;
  *) die "usage: $0 up|down|status|logs [${ALL[*]}]" ;;
esac
