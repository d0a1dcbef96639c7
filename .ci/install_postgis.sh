#!/usr/bin/env bash
# Install PostgreSQL with PostGIS (Debian packages) for the tests of the patch
# register's PostGIS storage; the tests start a throw-away cluster of their own
# (tests/postgis.py), they never use a system cluster.
# Takes the newest PostgreSQL server already installed (/usr/lib/postgresql/N),
# else the distribution's default one, and its PostGIS 3 package.
# Does nothing when both are there. Needs root (CI containers run as root).
set -euo pipefail

# The newest major version N with a server under /usr/lib/postgresql/N/bin.
server_major() {
    local dir major=""
    for dir in /usr/lib/postgresql/*/bin/postgres; do
        [ -x "$dir" ] || continue
        dir=${dir#/usr/lib/postgresql/}
        dir=${dir%%/*}
        if [ -z "$major" ] || [ "$dir" -gt "$major" ]; then major=$dir; fi
    done
    echo "$major"
}

have_postgis() {
    [ -n "$1" ] && [ -f "/usr/share/postgresql/$1/extension/postgis.control" ]
}

major=$(server_major)
if have_postgis "$major"; then
    echo "install_postgis: PostgreSQL $major with PostGIS already installed"
    exit 0
fi

if [ -n "$major" ]; then
    # the server is there: add the PostGIS of the same major version
    bash "$(dirname "$0")/apt_install.sh" install_postgis "postgresql-$major-postgis-3"
else
    # nothing there: the distribution's default server and its PostGIS
    bash "$(dirname "$0")/apt_install.sh" install_postgis postgresql postgresql-postgis
    major=$(server_major)
fi

if ! have_postgis "$major"; then
    echo "install_postgis: PostgreSQL with PostGIS still missing after apt-get install" >&2
    exit 1
fi
echo "install_postgis: installed PostgreSQL $major with PostGIS"
