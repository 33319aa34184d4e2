#!/bin/sh
# Run once by the `minio-init` service (minio/mc): waits for MinIO, then creates MINIO_BUCKET unless it
# already exists (idempotent). Credentials come from the environment, never from this file.
set -eu

endpoint=${MINIO_ENDPOINT:?MINIO_ENDPOINT must be set}
bucket=${MINIO_BUCKET:?MINIO_BUCKET must be set}
wait_seconds=${MINIO_INIT_WAIT_SECONDS:-120}

create_bucket() {
  mc alias set headwater "$endpoint" "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" >/dev/null &&
    mc mb --ignore-existing "headwater/$bucket"
}

waited=0
until create_bucket; do
  if [ "$waited" -ge "$wait_seconds" ]; then echo "minio-init: gave up on $endpoint after ${wait_seconds}s" >&2; exit 1; fi
  sleep 2; waited=$((waited + 2))
done
echo "minio-init: bucket '$bucket' is ready at $endpoint" >&2
