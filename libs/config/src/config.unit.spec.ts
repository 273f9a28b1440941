import { DEVELOPMENT_CREDENTIALS_KEY, DEVELOPMENT_DATA_KEK, parseKekRing } from './secret-keys';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, ConfigError, loadConfig } from './config';

/** Distinctive keys, so that a test can tell whether an error message shows one. */
const KEK_1 = 'a1b2c3d4'.repeat(8);
const KEK_2 = 'feedface'.repeat(8);
/** A production environment with keys of its own; each test overrides what it is about. */
const PRODUCTION = { NODE_ENV: 'production', MCP_CREDENTIALS_KEY: 'a'.repeat(64), DATA_KEK: `k1:${KEK_1}` };

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
    expect(loadConfig(PRODUCTION).MCP_CREDENTIALS_KEY).toBe('a'.repeat(64));
  });
});

describe('loadConfig in production', () => {
  const production = (key: string) => ({ ...PRODUCTION, MCP_CREDENTIALS_KEY: key });

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

describe('parseKekRing', () => {
  const problemOf = (encoded: string): string => {
    try {
      parseKekRing(encoded);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected parseKekRing to throw');
  };

  it('reads one id:key pair', () => {
    expect(parseKekRing(`k1:${KEK_1}`)).toEqual([{ id: 'k1', key: Buffer.from(KEK_1, 'hex') }]);
  });

  it('reads several pairs in order, the first being the one that wraps new data keys', () => {
    const ring = parseKekRing(`k2:${KEK_2.toUpperCase()}, k1:${KEK_1}`);
    expect(ring.map((kek) => kek.id)).toEqual(['k2', 'k1']);
    expect(ring[0].key).toEqual(Buffer.from(KEK_2, 'hex'));
    expect(ring[1].key).toEqual(Buffer.from(KEK_1, 'hex'));
  });

  it('accepts ids of 1-32 letters, digits, _ . and -', () => {
    expect(parseKekRing(`a:${KEK_1},${'Z_.-9'.padEnd(32, 'x')}:${KEK_2}`).map((kek) => kek.id)).toEqual(['a', 'Z_.-9'.padEnd(32, 'x')]);
  });

  it.each([
    ['an empty value', '', /has no key/],
    ['an empty entry', `k1:${KEK_1},`, /entry 2 is empty/],
    ['a key without an id', KEK_1, /entry 1 must be id:<64 hex characters>/],
    ['an empty id', `:${KEK_1}`, /entry 1 must be id:/],
    ['an id of 33 characters', `${'k'.repeat(33)}:${KEK_1}`, /entry 1 must be id:/],
    ['an id with a space', `k 1:${KEK_1}`, /entry 1 must be id:/],
    ['a key that is not hex', `k1:${'g'.repeat(64)}`, /entry 1 must have a key of 32 bytes as 64 hex characters/],
    ['a key of 31 bytes', `k1:${KEK_1.slice(2)}`, /entry 1 must have a key of 32 bytes/],
    ['a key of 33 bytes', `k1:${KEK_1}00`, /entry 1 must have a key of 32 bytes/],
    ['a key given in base64', `k1:${Buffer.from(KEK_1, 'hex').toString('base64')}`, /entry 1 must have a key of 32 bytes/],
    ['a duplicate id', `k1:${KEK_1},k1:${KEK_2}`, /has the id "k1" more than once/],
  ])('refuses %s', (_, encoded, problem) => {
    expect(problemOf(encoded)).toMatch(problem);
  });

  it('never shows key material, not even of a malformed entry', () => {
    const half = KEK_2.slice(0, 32);
    for (const encoded of [
      `k1:${KEK_1},k2:${KEK_2}x`,
      `k1:${KEK_1},${KEK_2}`,
      `k1:${KEK_1},${half}:${KEK_2.slice(32)}`,
      `${KEK_2}:k2`,
      `k1:${KEK_1},k1:${KEK_2}`,
    ]) {
      const problem = problemOf(encoded);
      for (const secret of [KEK_1, KEK_2, half]) expect(problem).not.toContain(secret);
    }
  });
});

describe('loadConfig for DATA_KEK', () => {
  it('gives the development KEK outside production when DATA_KEK is unset', () => {
    expect(loadConfig({}).dataKeks).toEqual([DEVELOPMENT_DATA_KEK]);
    expect(loadConfig({ NODE_ENV: 'test', DATA_KEK: '' }).dataKeks).toEqual([DEVELOPMENT_DATA_KEK]);
    expect(DEVELOPMENT_DATA_KEK.id).toBe('dev');
    expect(DEVELOPMENT_DATA_KEK.key).toHaveLength(32);
  });

  it('parses DATA_KEK into the ring, the first wrapping new data keys', () => {
    expect(loadConfig({ DATA_KEK: `k2:${KEK_2},k1:${KEK_1}` }).dataKeks).toEqual([
      { id: 'k2', key: Buffer.from(KEK_2, 'hex') },
      { id: 'k1', key: Buffer.from(KEK_1, 'hex') },
    ]);
    expect(loadConfig(PRODUCTION).dataKeks).toEqual([{ id: 'k1', key: Buffer.from(KEK_1, 'hex') }]);
  });

  it('names a malformed DATA_KEK, and the problem, without its value', () => {
    expect(() => loadConfig({ DATA_KEK: `k1:${KEK_1},k1:${KEK_2}` })).toThrow(/DATA_KEK \(value not shown\): DATA_KEK has the id "k1" more than once/);
    expect(() => loadConfig({ DATA_KEK: `k1:${KEK_1.slice(1)}` })).toThrow(ConfigError);
  });

  it('requires DATA_KEK in production, saying how to make one', () => {
    const { DATA_KEK: _, ...withoutKek } = PRODUCTION;
    expect(() => loadConfig(withoutKek)).toThrow(/DATA_KEK is required when NODE_ENV=production .*echo "k1:\$\(openssl rand -hex 32\)"/);
  });

  it('refuses in production an all-zero key and the development key, wherever they are in the ring', () => {
    const zero = '0'.repeat(64);
    const development = DEVELOPMENT_DATA_KEK.key.toString('hex');
    expect(() => loadConfig({ ...PRODUCTION, DATA_KEK: `k1:${zero}` })).toThrow(/DATA_KEK key "k1" is all zeros/);
    expect(() => loadConfig({ ...PRODUCTION, DATA_KEK: `k2:${KEK_2},old:${zero}` })).toThrow(/DATA_KEK key "old" is all zeros/);
    expect(() => loadConfig({ ...PRODUCTION, DATA_KEK: `dev:${development}` })).toThrow(/DATA_KEK key "dev" is the development key/);
    expect(() => loadConfig({ ...PRODUCTION, DATA_KEK: `k2:${KEK_2},k1:${development.toUpperCase()}` })).toThrow(/DATA_KEK key "k1" is the development key/);
  });

  it('reports every refused production key at once', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MCP_CREDENTIALS_KEY is required[^]*DATA_KEK is required/);
  });

  it('leaves development and tests free to use any well-formed KEK', () => {
    const development = DEVELOPMENT_DATA_KEK.key.toString('hex');
    expect(loadConfig({ DATA_KEK: `k1:${'0'.repeat(64)}` }).dataKeks[0].key.every((byte) => byte === 0)).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', DATA_KEK: `dev:${development}` }).dataKeks).toEqual([DEVELOPMENT_DATA_KEK]);
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
      expect(messageOf({ ...PRODUCTION, MCP_CREDENTIALS_KEY: key })).not.toContain(key);
    }
    for (const key of ['0'.repeat(64), DEVELOPMENT_DATA_KEK.key.toString('hex')]) {
      expect(messageOf({ ...PRODUCTION, DATA_KEK: `k2:${KEK_2},k1:${key}` })).not.toContain(key);
    }
  });

  it('names a malformed DATA_KEK without any of its keys', () => {
    for (const kek of [`k1:${KEK_1},k2:${KEK_2}0`, `k1:${KEK_1},k1:${KEK_2}`, `${KEK_1}`, `k1:${KEK_1};k2:${KEK_2}`]) {
      const message = messageOf({ DATA_KEK: kek });
      expect(message).toMatch(/DATA_KEK \(value not shown\): DATA_KEK /);
      expect(message).not.toContain(KEK_1);
      expect(message).not.toContain(KEK_2);
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
    expect(example.DATA_KEK).toBe('');
  });
});
