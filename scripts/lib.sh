# Shared helpers of the project's scripts (sourced, not run).

log() { printf '[%s] %s\n' "${SCRIPT_NAME:-scripts}" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${SCRIPT_NAME:-scripts}" "$*" >&2; exit 1; }

# PostgreSQL must answer at 127.0.0.1:5432 (or PGHOST/PGPORT); start the local cluster if it is installed but stopped.
ensure_postgres() {
  local host="${PGHOST:-127.0.0.1}" port="${PGPORT:-5432}"
  if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then return 0; fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    log "PostgreSQL is not running; starting the local cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
  fi
  for _ in $(seq 1 30); do
    pg_isready -q -h "$host" -p "$port" 2>/dev/null && return 0
    sleep 1
  done
  die "PostgreSQL does not answer at $host:$port"
}

# Installs exactly what the lock file says, once.
ensure_dependencies() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing dependencies from package-lock.json"
    npm ci --no-audit --no-fund
  fi
}
