import { errorLine, messageOf, oneLine, redact, secretsOf } from './error-output';

describe('error output', () => {
  it("masks DATABASE_URL's password, however it is quoted", () => {
    const env = { DATABASE_URL: 'postgres://app:p%40ss-w0rd@db:5432/end_users' };
    const secrets = secretsOf(env);
    expect(redact('password p@ss-w0rd rejected', secrets)).toBe('password *** rejected');
    expect(redact('cannot reach postgres://app:p%40ss-w0rd@db:5432/end_users', secrets)).toBe('cannot reach postgres://app:***@db:5432/end_users');
  });

  it('masks any URL password and secret-named variables, even ones it does not know', () => {
    const secrets = secretsOf({ PGPASSWORD: 'pgpw', MCP_CREDENTIALS_KEY: 'k'.repeat(64), SOME_API_TOKEN: 'tok123', PORT: '3000' });
    expect(redact(`pgpw ${'k'.repeat(64)} tok123 3000 kafka://u:pw@broker`, secrets)).toBe('*** *** *** 3000 kafka://u:***@broker');
  });

  it('masks all of a DATABASE_URL that is not a URL with a host', () => {
    expect(redact('bad value postgres:/u:pw@x', secretsOf({ DATABASE_URL: 'postgres:/u:pw@x' }))).toBe('bad value ***');
    expect(redact('bad value u:pw@x', secretsOf({ DATABASE_URL: 'u:pw@x' }))).toBe('bad value ***');
    expect(redact('a %zz password', secretsOf({ DATABASE_URL: 'postgres://u:%zz@x/db' }))).toBe('a *** password');
  });

  it('folds lines into one', () => {
    expect(oneLine('Invalid configuration:\n  PORT="x": bad\n  DB_POOL_MAX="0": too small\n')).toBe(
      'Invalid configuration: PORT="x": bad; DB_POOL_MAX="0": too small',
    );
    expect(oneLine("error: unknown command 'mak'\n(Did you mean make?)")).toBe("error: unknown command 'mak' (Did you mean make?)");
  });

  it('takes the message, never the stack; a connection failure by its causes', () => {
    expect(messageOf(new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')]))).toBe(
      'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(messageOf(Object.assign(new Error(''), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errorLine(new TypeError('x is not a function'), {})).toBe('error: x is not a function\n');
  });
});
