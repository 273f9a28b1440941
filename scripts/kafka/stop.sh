#!/usr/bin/env bash
# Stop the local Kafka broker started by scripts/kafka/start.sh: SIGTERM to the
# pid in the pid file (never by process name), SIGKILL after a grace period.
# Exits 0 when no broker is running.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-$REPO_ROOT/.run/kafka}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

log() { printf '[kafka] %s\n' "$*" >&2; }

if [[ ! -d "$KAFKA_RUN_DIR" ]]; then
  log "not running (no run dir $KAFKA_RUN_DIR)"
  exit 0
fi
RUN_DIR="$(cd "$KAFKA_RUN_DIR" && pwd)"
PID_FILE="$RUN_DIR/kafka.pid"
CONFIG="$RUN_DIR/server.properties"

if [[ ! -f "$PID_FILE" ]]; then
  log "not running (no pid file in $RUN_DIR)"
  exit 0
fi
pid="$(cat "$PID_FILE" 2>/dev/null || true)"

alive() { # pid -> 0 if the process exists and is not a zombie
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]]
}

is_our_broker() {
  local cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *" kafka.Kafka $CONFIG"* ]]
}

if ! is_our_broker; then
  log "not running (stale pid file: '${pid}' is not a broker of $RUN_DIR); removing it"
  rm -f "$PID_FILE"
  exit 0
fi

log "stopping broker (pid $pid, SIGTERM)"
started=$SECONDS
kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
while alive "$pid" && ((SECONDS < deadline)); do
  sleep 0.5
done
if alive "$pid"; then
  log "still running after ${KAFKA_STOP_TIMEOUT}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    alive "$pid" || break
    sleep 0.25
  done
  if alive "$pid"; then
    log "ERROR: pid $pid survived SIGKILL"
    exit 1
  fi
fi
rm -f "$PID_FILE"
log "stopped after $((SECONDS - started))s"
