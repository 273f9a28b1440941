#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for the fault suite, so that restarting or crashing
# PostgreSQL (scenario 5) never touches the shared server on 127.0.0.1:5432.
#
#   scripts/faults/pg.sh start               initdb on first use (trust auth), then start
#   scripts/faults/pg.sh stop                pg_ctl stop -m fast (no-op when not running)
#   scripts/faults/pg.sh restart-fast        pg_ctl stop -m fast, [pause], start
#   scripts/faults/pg.sh restart-immediate   pg_ctl stop -m immediate (a crash: no checkpoint,
#                                            crash recovery from the WAL on start), [pause], start
#   scripts/faults/pg.sh status              exit 0 when running
#   scripts/faults/pg.sh wipe                stop, then delete the cluster directory
#
# Env: FAULTS_PG_PORT (55432), FAULTS_PG_DIR (.run/faults/pg; under /tmp when the postgres user
# cannot reach the checkout), FAULTS_PG_DOWN_SECONDS (0: how
# long a restart keeps the server down between stop and start).
# initdb and postgres refuse to run as root: every server command runs as the postgres OS user,
# and the cluster directory is owned by it.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
PORT="${FAULTS_PG_PORT:-55432}"
if [[ -n "${FAULTS_PG_DIR:-}" ]]; then
  DIR="$FAULTS_PG_DIR"
elif [[ "$(id -u)" == "0" ]] && ! runuser -u postgres -- test -x "$REPO_ROOT" 2>/dev/null; then
  # The postgres user cannot reach this checkout (a parent directory without o+x): keep the
  # throwaway cluster under /tmp instead, one per checkout.
  DIR="${TMPDIR:-/tmp}/end-users-faults-pg-$(printf '%s' "$REPO_ROOT" | md5sum | cut -c1-8)"
else
  DIR="$REPO_ROOT/.run/faults/pg"
fi
DOWN_SECONDS="${FAULTS_PG_DOWN_SECONDS:-0}"
DATA="$DIR/data"
LOG="$DIR/postgres.log"

log() { printf '[faults-pg] %s\n' "$*" >&2; }
die() { printf '[faults-pg] ERROR: %s\n' "$*" >&2; exit 1; }

BIN="${FAULTS_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[[ -x "$BIN/initdb" && -x "$BIN/pg_ctl" ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
id postgres >/dev/null 2>&1 || die "there is no 'postgres' OS user to run the server as"

as_postgres() {
  if [[ "$(id -u)" == "0" ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

running() { [[ -f "$DATA/PG_VERSION" ]] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

init_cluster() {
  mkdir -p "$DIR"
  [[ "$(id -u)" == "0" ]] && chown postgres:postgres "$DIR"
  as_postgres test -w "$DIR" || die "the postgres user cannot write $DIR (every parent directory needs o+x)"
  log "initdb in $DATA (trust auth, port $PORT)"
  as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-instructions >"$DIR/initdb.log" 2>&1 ||
    { tail -n 20 "$DIR/initdb.log" >&2; die "initdb failed"; }
  # Only loopback; the socket lives beside the cluster, not in /var/run/postgresql (the shared server's).
  # Durability settings stay at their defaults (fsync, synchronous_commit, full_page_writes on):
  # scenario 5 checks that every acknowledged write survives an immediate shutdown.
  cat >>"$DATA/postgresql.conf" <<CONF

# --- scripts/faults/pg.sh ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 200
shared_buffers = 128MB
log_line_prefix = '%m [%p] %a '
log_min_messages = warning
# Evidence for the scenarios' reports: slow statements, lock waits and checkpoints.
log_min_duration_statement = 2000
log_lock_waits = on
log_checkpoints = on
CONF
}

start() {
  if running; then log "already running on port $PORT ($DATA)"; return 0; fi
  [[ -f "$DATA/PG_VERSION" ]] || init_cluster
  if port_open "$PORT"; then die "port 127.0.0.1:$PORT is in use by another process; set FAULTS_PG_PORT"; fi
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 120 start >/dev/null || { tail -n 30 "$LOG" >&2; die "PostgreSQL did not start"; }
  log "running on 127.0.0.1:$PORT"
}

stop_with() { # mode
  if ! running; then log "not running"; return 0; fi
  as_postgres "$BIN/pg_ctl" -D "$DATA" -m "$1" -w -t 60 stop >/dev/null
  log "stopped (-m $1)"
}

pause() {
  if [[ "$DOWN_SECONDS" != "0" ]]; then log "down for ${DOWN_SECONDS}s"; sleep "$DOWN_SECONDS"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop_with fast ;;
  restart-fast) stop_with fast; pause; start ;;
  restart-immediate) stop_with immediate; pause; start ;;
  status) if running; then log "running on port $PORT"; else log "not running"; exit 3; fi ;;
  wipe) stop_with fast; rm -rf "$DIR"; log "removed $DIR" ;;
  *) die "usage: $0 start|stop|restart-fast|restart-immediate|status|wipe" ;;
esac
