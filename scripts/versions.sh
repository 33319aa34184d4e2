# Pinned versions of the local services (sourced by scripts/services.sh and scripts/build-tools.sh).
# Changing a pin builds a new binary beside the old one; nothing is rebuilt otherwise.
TEMPORAL_CLI_VERSION=v1.5.1
FERRETDB_VERSION=v1.24.2
# FerretDB is built with the project's patch scripts/ferretdb/$FERRETDB_VERSION.patch (the stand-in's defects
# that made it unfit to measure a backup product; docs/ferretdb-findings.md). Pinned by the first 12 hex digits
# of the patch's SHA-256, which name the binary: build-tools.sh refuses a patch that does not match this pin,
# so a changed patch needs a new pin and builds a new binary. Update with:
#   sha256sum scripts/ferretdb/$FERRETDB_VERSION.patch | cut -c1-12
FERRETDB_PATCH_SHA=207d35bc52b3
# MinIO tags are not semver, so the module is pinned to a commit by its pseudo-version.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# mongo-tools tags carry no "v" prefix either: pinned by pseudo-version (used only by `npm run bench`).
# This is tag 100.18.0 (commit 21a342dfee6468ad9350d156d25086da64dd03b1), resolved as `go list -m` would name it.
MONGO_TOOLS_VERSION=v0.0.0-20260812163951-21a342dfee64
