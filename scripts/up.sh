#!/usr/bin/env bash
# Brings the whole system up on this machine: PostgreSQL (migrated), a Kafka broker, the API and
# the worker; then creates (once) a demo platform and prints its id, key and a curl line to try.
# Stop it with `npm run down`.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=up
source scripts/lib.sh

RUN_DIR=.run
mkdir -p "$RUN_DIR"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/end_users}"
export PORT="${PORT:-3000}"

ensure_dependencies
ensure_postgres
bash scripts/kafka/start.sh
log "building"
npm run --silent build
node dist/libs/persistence/src/cli/migrate.js

start_app() { # name
  local name="$1" pid_file="$RUN_DIR/$1.pid"
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    log "$name is already running (pid $(cat "$pid_file")); restarting it with the new build"
    kill "$(cat "$pid_file")" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$(cat "$pid_file")" 2>/dev/null || break; sleep 0.2; done
  fi
  nohup node "dist/apps/$name/src/main.js" >>"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$pid_file"
  log "$name started (pid $!, log $RUN_DIR/$name.log)"
}

start_app api
start_app worker

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; then break; fi
  kill -0 "$(cat "$RUN_DIR/api.pid")" 2>/dev/null || { tail -n 30 "$RUN_DIR/api.log" >&2; die "the API exited"; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null || die "the API is not ready; see $RUN_DIR/api.log"

DEMO="$RUN_DIR/demo-platform.json"
if [ ! -s "$DEMO" ] || ! grep -q "$(node -p "new URL(process.env.DATABASE_URL).pathname")" "$RUN_DIR/demo-platform.db" 2>/dev/null; then
  npm run --silent cli -- platforms create --name "Demo platform" --default-budget-usd 25 >"$DEMO"
  node -p "new URL(process.env.DATABASE_URL).pathname" >"$RUN_DIR/demo-platform.db"
fi
PLATFORM_ID=$(node -p "require('./$DEMO').platform.id")
PLATFORM_KEY=$(node -p "require('./$DEMO').api_key.raw_key")

cat <<TXT

End Users service is up: API http://127.0.0.1:$PORT (logs in $RUN_DIR/), worker consuming, Kafka at ${KAFKA_BROKERS:-127.0.0.1:9092}.

Demo platform (monthly auto-budget \$25 per end user):
  platform id:  $PLATFORM_ID
  platform key: $PLATFORM_KEY

Try it:
  curl -s -X POST http://127.0.0.1:$PORT/v1/platforms/$PLATFORM_ID/end-users \\
    -H "Authorization: Bearer $PLATFORM_KEY" -H "Content-Type: application/json" \\
    -d '{"external_id": "user-123", "display_name": "Jane Smith", "metadata": {"plan": "pro"}}'

Stop everything with: npm run down
TXT
