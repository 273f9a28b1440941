#!/usr/bin/env bash
# The whole test suite: unit, integration and end-to-end, against the real PostgreSQL and Kafka.
# Expects PostgreSQL at DATABASE_URL's server and a broker at KAFKA_BROKERS (`npm run up` or
# `npm run kafka:start` provide one); migrates a dedicated test database first.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/end_users_test}"
export NODE_ENV=test

npm run --silent build
node dist/libs/persistence/src/cli/migrate.js
npx jest --runInBand "$@"
