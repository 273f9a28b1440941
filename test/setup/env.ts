// Integration and end-to-end suites share one migrated test database, topic and consumer group
// (scripts/test.sh prepares them), apart from the development ones; each test makes its own
// platforms and ids, so suites never collide.
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/end_users_test';
process.env.KAFKA_TOPIC ??= 'end-users.events.v1.test';
process.env.KAFKA_CONSUMER_GROUP ??= 'end-users-worker-test';
process.env.DB_POOL_MAX ??= '10';
process.env.NODE_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'error';
// Processes a test spawns listen on a free port unless the test names one.
process.env.WORKER_PORT ??= '0';
process.env.PORT ??= '0';
