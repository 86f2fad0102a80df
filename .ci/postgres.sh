#!/usr/bin/env bash
# Install PostgreSQL from Debian packages, run it on 127.0.0.1 and make a test database.
# Idempotent; run as root. Everything goes to stderr except the one line to `eval`:
#   export PIANCHA_TEST_DATABASE_URL=postgresql+psycopg://piancha:piancha@127.0.0.1:PORT/piancha_test
set -euo pipefail
exec 3>&1 1>&2

# The server outlives this script: it must not hold open the pipe `eval "$(...)"` reads from
# (nor any other descriptor it inherits), or the caller waits for end-of-file forever.
detached() (
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
  done
  cd /
  exec "$@" </dev/null
)

db_user=${PIANCHA_PG_USER:-piancha}
db_password=${PIANCHA_PG_PASSWORD:-piancha}
db_name=${PIANCHA_PG_DATABASE:-piancha_test}
cluster=${PIANCHA_PG_CLUSTER:-main}

if [ "$(id -u)" -ne 0 ]; then
  echo ".ci/postgres.sh must run as root (it installs packages) / 需要 root 权限" >&2
  exit 1
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends postgresql postgresql-client
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {found=1} END {exit !found}'; then
  pg_createcluster "$version" "$cluster" -- --auth-local=peer --auth-host=scram-sha-256
fi
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $3}')

# Loopback only, whatever the package default is.
conf=/etc/postgresql/$version/$cluster/postgresql.conf
status=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $4}')
if ! grep -q "^listen_addresses = '127.0.0.1'" "$conf"; then
  echo "listen_addresses = '127.0.0.1'" >>"$conf"
  if [ "$status" = "online" ]; then
    detached pg_ctlcluster "$version" "$cluster" restart
  fi
fi
if [ "$status" != "online" ]; then
  detached pg_ctlcluster "$version" "$cluster" start
fi

psql_admin() { cd / && su postgres -s /bin/sh -c "psql -p $port -v ON_ERROR_STOP=1 -tAq $*"; }
for _ in $(seq 1 30); do
  psql_admin "-c 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done

if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$db_user'\"")" != "1" ]; then
  psql_admin "-c \"CREATE ROLE $db_user LOGIN PASSWORD '$db_password'\""
fi
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname = '$db_name'\"")" != "1" ]; then
  psql_admin "-c \"CREATE DATABASE $db_name OWNER $db_user ENCODING 'UTF8' TEMPLATE template0\""
fi

echo "PostgreSQL $version cluster $cluster online on 127.0.0.1:$port, database $db_name" >&2
echo "export PIANCHA_TEST_DATABASE_URL=postgresql+psycopg://$db_user:$db_password@127.0.0.1:$port/$db_name" >&3
