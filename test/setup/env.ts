// Integration and end-to-end suites share one migrated test database and broker (scripts/test.sh
// prepares both); each test makes its own platforms and ids, so suites never collide.
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/end_users_test';
process.env.DB_POOL_MAX ??= '10';
process.env.NODE_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'error';
