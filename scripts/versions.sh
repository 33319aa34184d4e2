# Pinned versions of the local services (sourced by scripts/services.sh and scripts/build-tools.sh).
# Changing a pin builds a new binary beside the old one; nothing is rebuilt otherwise.
TEMPORAL_CLI_VERSION=v1.5.1
FERRETDB_VERSION=v1.24.2
# MinIO tags are not semver, so the module is pinned to a commit by its pseudo-version.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# mongo-tools tags carry no "v" prefix either: pinned by pseudo-version (used only by `npm run bench`).
# This is tag 100.18.0 (commit 21a342dfee6468ad9350d156d25086da64dd03b1), resolved as `go list -m` would name it.
MONGO_TOOLS_VERSION=v0.0.0-20260812163951-21a342dfee64
