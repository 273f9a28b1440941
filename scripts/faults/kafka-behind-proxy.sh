#!/usr/bin/env bash
# A second private Kafka broker, for scenario 10 only, whose ADVERTISED listener is the port of the
# suite's TCP fault proxy instead of its own listener:
#
#   clients --> 127.0.0.1:$FAULTS_PROXIED_KAFKA_ADVERTISED_PORT (the fault proxy, in the test process)
#           --> 127.0.0.1:$FAULTS_PROXIED_KAFKA_PORT (this broker)
#
# Kafka clients only use the bootstrap address to fetch metadata and then connect to the address
# the broker advertises, so a proxy in front of a normal broker would be bypassed after the first
# request. Here every connection of the API, the worker and the test's admin client goes through
# the proxy, so latency, a blackhole and resets injected there reach all of them.
# It is the project's own broker (scripts/kafka/start.sh), with fresh data on every start and no
# topics made by start.sh (they could only be reached through the proxy, which is not up yet).
#
#   scripts/faults/kafka-behind-proxy.sh start|stop
#
# Env: FAULTS_PROXIED_KAFKA_PORT (29192), FAULTS_PROXIED_KAFKA_CONTROLLER_PORT (29193),
# FAULTS_PROXIED_KAFKA_ADVERTISED_PORT (29194), FAULTS_PROXIED_KAFKA_RUN_DIR (.run/faults/kafka-proxied).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="${FAULTS_PROXIED_KAFKA_RUN_DIR:-$REPO_ROOT/.run/faults/kafka-proxied}"

case "${1:-}" in
  start)
    rm -rf "$RUN_DIR/data"
    KAFKA_PORT="${FAULTS_PROXIED_KAFKA_PORT:-29192}" \
      KAFKA_CONTROLLER_PORT="${FAULTS_PROXIED_KAFKA_CONTROLLER_PORT:-29193}" \
      KAFKA_ADVERTISED_PORT="${FAULTS_PROXIED_KAFKA_ADVERTISED_PORT:-29194}" \
      KAFKA_RUN_DIR="$RUN_DIR" KAFKA_SKIP_TOPICS=1 bash "$REPO_ROOT/scripts/kafka/start.sh"
    ;;
  stop) KAFKA_RUN_DIR="$RUN_DIR" bash "$REPO_ROOT/scripts/kafka/stop.sh" ;;
  *)
    printf '[faults-kafka-proxied] usage: %s start|stop\n' "$0" >&2
    exit 2
    ;;
esac
