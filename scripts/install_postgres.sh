#!/usr/bin/env bash
# Install Debian's PostgreSQL server binaries for the PostgreSQL store tests.
#
# Idempotent: does nothing when initdb is already on PATH or in /usr/lib/postgresql/*/bin.
# The tests (tests/pg_server.py) start their own throwaway server from these binaries in a
# temporary folder (as the `postgres` system user when run as root); no cluster is created here
# and no service is started.
set -euo pipefail

find_initdb() {
    local candidate
    if candidate=$(command -v initdb 2>/dev/null) && [ -x "$candidate" ]; then
        echo "$candidate"
        return 0
    fi
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
            echo "$candidate/initdb"
            return 0
        fi
    done
    return 1
}

if initdb=$(find_initdb); then
    echo "install_postgres: initdb already at $initdb ($("$initdb" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

# Without root or apt-get we cannot install: the PostgreSQL tests then skip, except
# under CI=true, where they must run, so that is an error.
cannot_install() {
    echo "install_postgres: $1" >&2
    if [ "${CI:-}" = "true" ]; then
        exit 1
    fi
    echo "install_postgres: continuing; the PostgreSQL store tests will be skipped" >&2
    exit 0
}

if [ "$(id -u)" -ne 0 ]; then
    cannot_install "no PostgreSQL server binaries (initdb); run as root (or: sudo apt-get install -y --no-install-recommends postgresql)"
fi
if ! command -v apt-get >/dev/null 2>&1; then
    cannot_install "apt-get not found; install the PostgreSQL server (initdb, pg_ctl, postgres) by hand"
fi

export DEBIAN_FRONTEND=noninteractive
# `apt-get update` only when the package lists do not know the package yet.
if ! apt-cache show postgresql >/dev/null 2>&1; then
    apt-get update
fi
# Debian's postgresql-common would create and start a cluster on install: not wanted here.
mkdir -p /etc/postgresql-common/createcluster.d
if [ ! -e /etc/postgresql-common/createcluster.d/narrascope.conf ]; then
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/narrascope.conf
fi
if ! apt-get install -y --no-install-recommends postgresql; then
    # stale package lists: refresh once and try again
    apt-get update
    apt-get install -y --no-install-recommends postgresql
fi

if ! initdb=$(find_initdb); then
    echo "install_postgres: apt-get finished but initdb is still missing" >&2
    exit 1
fi
echo "install_postgres: installed postgresql ($("$initdb" --version 2>/dev/null || true))"
