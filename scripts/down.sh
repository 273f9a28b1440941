#!/usr/bin/env bash
# Stops what `npm run up` started: the API, the worker and the Kafka broker (PostgreSQL is left alone).
set -uo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=down
source scripts/lib.sh

for name in api worker; do
  pid_file=".run/$name.pid"
  [ -f "$pid_file" ] || continue
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    log "$name stopped"
  fi
  rm -f "$pid_file"
done
bash scripts/kafka/stop.sh
