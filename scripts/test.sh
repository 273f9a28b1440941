#!/usr/bin/env bash
# The whole test suite: unit, integration and end-to-end, against the real PostgreSQL and Kafka.
# Starts what it needs (PostgreSQL if installed but stopped, the local Kafka broker if not running),
# and uses a database, topic and consumer group of its own, never the development ones.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=test
source scripts/lib.sh

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/end_users_test}"
export KAFKA_TOPIC="${TEST_KAFKA_TOPIC:-end-users.events.v1.test}"
export KAFKA_CONSUMER_GROUP="${TEST_KAFKA_CONSUMER_GROUP:-end-users-worker-test}"
export NODE_ENV=test

ensure_dependencies
ensure_postgres
bash scripts/kafka/start.sh
npm run --silent build
node dist/libs/persistence/src/cli/migrate.js
node scripts/kafka/ensure-topics.js
npx jest --runInBand "$@"
