#!/bin/sh
# Run once by the `temporal-init` service (temporalio/admin-tools): waits for the namespace, then registers
# each search attribute of HEADWATER_SEARCH_ATTRIBUTES ("Name=Type ...") that is missing. Idempotent: an
# attribute already registered with the same type is left alone; one registered with another type fails.
set -eu

address=${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be set}
namespace=${TEMPORAL_NAMESPACE:-default}
attributes=${HEADWATER_SEARCH_ATTRIBUTES:?HEADWATER_SEARCH_ATTRIBUTES must be set}
wait_seconds=${TEMPORAL_INIT_WAIT_SECONDS:-180}

say() { echo "temporal-init: $*" >&2; }

# wait_until <what> <command...>: retries the command every 2 s for up to wait_seconds.
wait_until() {
  what=$1; shift
  waited=0
  until "$@" >/dev/null 2>&1; do
    if [ "$waited" -ge "$wait_seconds" ]; then say "timed out after ${wait_seconds}s waiting for $what"; exit 1; fi
    sleep 2; waited=$((waited + 2))
  done
}

list_attributes() {
  temporal operator search-attribute list --address "$address" --namespace "$namespace" --output json
}

# Keyword -> INDEXED_VALUE_TYPE_KEYWORD, KeywordList -> INDEXED_VALUE_TYPE_KEYWORD_LIST (the JSON form).
indexed_type() { echo "INDEXED_VALUE_TYPE_$(echo "$1" | sed 's/List$/_List/' | tr '[:lower:]' '[:upper:]')"; }

# has_attribute <name> <type>: 0 if registered with that type, 1 if absent, exits if registered otherwise.
has_attribute() {
  found=$(list_attributes | grep -o "\"$1\": *\"[A-Z_]*\"" || true)
  [ -n "$found" ] || return 1
  case "$found" in
    *"\"$(indexed_type "$2")\"") return 0 ;;
    *) say "search attribute $1 exists with another type ($found), expected $2"; exit 1 ;;
  esac
}

all_registered() {
  for pair in $attributes; do has_attribute "${pair%%=*}" "${pair#*=}" || return 1; done
}

wait_until "namespace '$namespace' at $address" \
  temporal operator namespace describe --address "$address" --namespace "$namespace"
wait_until "the search attributes of namespace '$namespace'" list_attributes

for pair in $attributes; do
  name=${pair%%=*}; type=${pair#*=}
  if has_attribute "$name" "$type"; then
    say "search attribute $name ($type) already registered"
  else
    temporal operator search-attribute create --address "$address" --namespace "$namespace" \
      --name "$name" --type "$type" >/dev/null
    say "registered search attribute $name ($type)"
  fi
done

# The frontend serves attributes from a cache; wait until all of them are visible before reporting done.
wait_until "the search attributes to become visible" all_registered
say "search attributes ready in namespace '$namespace'"
