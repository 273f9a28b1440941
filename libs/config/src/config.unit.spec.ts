import { DEVELOPMENT_CREDENTIALS_KEY } from './secret-keys';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives defaults that work locally', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/end_users');
    expect(config.PORT).toBe(3000);
    expect(config.KAFKA_BROKERS).toBe('127.0.0.1:9092');
  });

  it('reads numbers from the environment', () => {
    expect(loadConfig({ PORT: '8080', DB_POOL_MAX: '4' })).toMatchObject({ PORT: 8080, DB_POOL_MAX: 4 });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });
});

describe('loadConfig for the broker and the worker', () => {
  it('derives the dead-letter topic from the main topic unless set', () => {
    expect(loadConfig({ KAFKA_TOPIC: 't1' }).deadLetterTopic).toBe('t1.dlt');
    expect(loadConfig({ KAFKA_DLT_TOPIC: 'custom' }).deadLetterTopic).toBe('custom');
  });

  it('reads booleans strictly', () => {
    expect(loadConfig({ OUTBOX_RELAY_ENABLED: 'false' }).OUTBOX_RELAY_ENABLED).toBe(false);
    expect(() => loadConfig({ OUTBOX_RELAY_ENABLED: 'maybe' })).toThrow(/OUTBOX_RELAY_ENABLED/);
  });

  it('requires an encryption key for MCP credentials in production, in the right shape', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MCP_CREDENTIALS_KEY is required/);
    expect(() => loadConfig({ MCP_CREDENTIALS_KEY: 'short' })).toThrow(/MCP_CREDENTIALS_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', MCP_CREDENTIALS_KEY: 'a'.repeat(64) }).MCP_CREDENTIALS_KEY).toBe('a'.repeat(64));
  });
});

describe('loadConfig in production', () => {
  const production = (key: string) => ({ NODE_ENV: 'production', MCP_CREDENTIALS_KEY: key });

  it('refuses an all-zero credentials key, as hex or as base64', () => {
    expect(() => loadConfig(production('0'.repeat(64)))).toThrow(/MCP_CREDENTIALS_KEY is all zeros/);
    expect(() => loadConfig(production(Buffer.alloc(32).toString('base64')))).toThrow(/MCP_CREDENTIALS_KEY is all zeros/);
  });

  it('refuses the development key, as hex or as base64', () => {
    expect(() => loadConfig(production(DEVELOPMENT_CREDENTIALS_KEY.toString('hex')))).toThrow(/MCP_CREDENTIALS_KEY is the development key/);
    expect(() => loadConfig(production(DEVELOPMENT_CREDENTIALS_KEY.toString('base64')))).toThrow(/MCP_CREDENTIALS_KEY is the development key/);
  });

  it('accepts a key of its own', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, index) => index + 1)).toString('base64');
    expect(loadConfig(production(key)).MCP_CREDENTIALS_KEY).toBe(key);
  });

  it('leaves development and tests free to use any well-formed key', () => {
    expect(loadConfig({ MCP_CREDENTIALS_KEY: '0'.repeat(64) }).MCP_CREDENTIALS_KEY).toBe('0'.repeat(64));
    expect(loadConfig({ NODE_ENV: 'test', MCP_CREDENTIALS_KEY: DEVELOPMENT_CREDENTIALS_KEY.toString('hex') }).NODE_ENV).toBe('test');
  });
});

describe('configuration errors keep secrets out of the message', () => {
  const messageOf = (env: NodeJS.ProcessEnv): string => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected loadConfig to throw');
  };

  it('names a malformed MCP_CREDENTIALS_KEY without its value', () => {
    const secret = 'not-a-key-but-still-a-secret';
    const message = messageOf({ MCP_CREDENTIALS_KEY: secret });
    expect(message).toMatch(/MCP_CREDENTIALS_KEY \(value not shown\): MCP_CREDENTIALS_KEY must be 32 bytes/);
    expect(message).not.toContain(secret);
  });

  it('never shows a refused production key', () => {
    for (const key of ['0'.repeat(64), DEVELOPMENT_CREDENTIALS_KEY.toString('hex')]) {
      expect(messageOf({ NODE_ENV: 'production', MCP_CREDENTIALS_KEY: key })).not.toContain(key);
    }
  });

  it('masks the password of a malformed DATABASE_URL', () => {
    const message = messageOf({ DATABASE_URL: 'mysql://app:hunter2-secret@db.internal:3306/end_users' });
    expect(message).toContain('DATABASE_URL="mysql://app:***@db.internal:3306/end_users"');
    expect(message).not.toContain('hunter2-secret');
  });

  it('shows nothing of a DATABASE_URL that is not a URL at all', () => {
    const message = messageOf({ DATABASE_URL: 'app:hunter2-secret@db.internal/end_users' });
    expect(message).toMatch(/DATABASE_URL=.*not a URL/);
    expect(message).not.toContain('hunter2-secret');
  });

  it('still shows the value of an ordinary variable', () => {
    expect(messageOf({ DB_POOL_MAX: 'many' })).toContain('DB_POOL_MAX="many"');
  });
});

describe('.env.example', () => {
  // Reads one checked-in file: the example must not drift from the settings it documents.
  const example = Object.fromEntries(
    readFileSync(join(__dirname, '../../../.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('lists every variable the config reads, and nothing else', () => {
    expect(Object.keys(example).sort()).toEqual(Object.keys(new AppConfig()).sort());
  });

  it('gives each its default and leaves the secret empty', () => {
    expect({ ...loadConfig(example) }).toEqual({ ...loadConfig({}) });
    expect(example.MCP_CREDENTIALS_KEY).toBe('');
  });
});
