# shellcheck shell=bash
# A scratch PostgreSQL for the examples and benchmarks (sourced): Debian's binaries, a cluster in a directory of
# the caller's, wal_level=logical, listening on 127.0.0.1 only, a Unix socket in that directory. As root the
# server runs as the postgres user (initdb refuses root). The Java tests have the same in PostgresServer.
#
#   scratch_pg_start DIR        initdb + start; sets PG_BIN, PG_PORT, PG_SOCK; the superuser is postgres
#   scratch_psql DB [ARGS...]   psql as postgres over the socket (ON_ERROR_STOP, unaligned, tuples only)
#   scratch_pg_stop DIR         immediate stop (safe to call twice)

scratch_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

scratch_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

scratch_free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

scratch_pg_start() {
  local dir=$1
  PG_BIN=$(scratch_pg_bin)
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL is not installed: apt-get install postgresql" >&2
    return 1
  fi
  PG_PORT=$(scratch_free_port)
  PG_SOCK=$dir/sock
  mkdir -p "$PG_SOCK"
  chmod 755 "$dir"
  printf 'postgres-secret\n' > "$dir/superuser-password"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
  scratch_as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$dir/superuser-password" >"$dir/initdb.log"
  scratch_as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start -o \
    "-c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10 -c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCK" \
    >/dev/null
}

scratch_psql() {
  local db=$1
  shift
  "$PG_BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "$db" -v ON_ERROR_STOP=1 -qAt "$@"
}

scratch_pg_stop() {
  local dir=$1
  if [ -f "$dir/data/postmaster.pid" ]; then
    scratch_as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
}
