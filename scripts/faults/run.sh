#!/usr/bin/env bash
# npm run test:faults: the fault-injection suite (test/faults/*.faults.spec.ts, docs/reliability.md).
#
# It never touches the shared PostgreSQL (5432) or the shared broker (9092): it builds the apps,
# creates a throwaway PostgreSQL cluster of its own (scripts/faults/pg.sh) and starts a private
# broker with the project's script on other ports, runs the scenarios one at a time (each has its
# own database, topic and consumer group), writes the figures into docs/reliability.md, and tears
# its services down whatever happens.
#
#   FAULTS_GROUP=all|short|long   which scenarios (default all; CI runs short and long as two steps)
#   extra arguments go to jest, e.g.  npm run test:faults -- -t 'poison'
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRIPT_NAME=faults
source scripts/lib.sh

export FAULTS_RUN_DIR="${FAULTS_RUN_DIR:-$PWD/.run/faults}"
export FAULTS_PG_PORT="${FAULTS_PG_PORT:-55432}"
export FAULTS_KAFKA_PORT="${FAULTS_KAFKA_PORT:-29092}"
export FAULTS_KAFKA_CONTROLLER_PORT="${FAULTS_KAFKA_CONTROLLER_PORT:-29093}"
export FAULTS_KAFKA_RUN_DIR="${FAULTS_KAFKA_RUN_DIR:-$FAULTS_RUN_DIR/kafka}"
export FAULTS_PROXIED_KAFKA_RUN_DIR="${FAULTS_PROXIED_KAFKA_RUN_DIR:-$FAULTS_RUN_DIR/kafka-proxied}"
export FAULTS_RUN_ID="${FAULTS_RUN_ID:-$(date +%s)}"
export FAULTS_SUITE=1
export NODE_ENV=test
GROUP="${FAULTS_GROUP:-all}"

[[ "$FAULTS_PG_PORT" != 5432 && "$FAULTS_KAFKA_PORT" != 9092 ]] || die "the fault suite never uses the shared PostgreSQL (5432) or broker (9092)"
command -v java >/dev/null 2>&1 || die "java not found (OpenJDK 17+ runs the private Kafka broker)"
if ! command -v faketime >/dev/null 2>&1; then
  die "faketime is not installed (scenario 11 skews the apps' clocks with it): apt-get install -y faketime"
fi

kafka_env=(KAFKA_PORT="$FAULTS_KAFKA_PORT" KAFKA_CONTROLLER_PORT="$FAULTS_KAFKA_CONTROLLER_PORT" KAFKA_RUN_DIR="$FAULTS_KAFKA_RUN_DIR" KAFKA_TOPIC=faults.bootstrap)

teardown() {
  local status=$?
  log "tearing down the private services"
  bash scripts/faults/kafka-behind-proxy.sh stop || true
  env "${kafka_env[@]}" bash scripts/kafka/stop.sh || true
  bash scripts/faults/pg.sh stop || true
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT TERM

ensure_dependencies
log "building"
npm run --silent build

# A clean slate: a new cluster and empty broker logs on every run (only our own, by pid file).
bash scripts/faults/kafka-behind-proxy.sh stop || true
env "${kafka_env[@]}" bash scripts/kafka/stop.sh || true
bash scripts/faults/pg.sh wipe
# Results and logs are kept per scenario (each scenario replaces its own), so the figures of a
# "short" run and a "long" run end up side by side in docs/reliability.md.
rm -rf "$FAULTS_KAFKA_RUN_DIR/data"
mkdir -p "$FAULTS_RUN_DIR/results" "$FAULTS_RUN_DIR/logs"

bash scripts/faults/pg.sh start
env "${kafka_env[@]}" bash scripts/kafka/start.sh

case "$GROUP" in
  all) pattern='test/faults/' ;;
  short) pattern='test/faults/s(01|03|05|06|07|09|11)-' ;;
  long) pattern='test/faults/s(02|04|08|10|12)-' ;;
  *) die "FAULTS_GROUP must be all, short or long (not '$GROUP')" ;;
esac

log "running the fault scenarios ($GROUP)"
set +e
npx jest --selectProjects faults --runInBand --forceExit "$pattern" "$@"
status=$?
set -e
node scripts/faults/report.js || log "could not update docs/reliability.md"
exit "$status"
