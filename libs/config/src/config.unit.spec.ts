import { ConfigError, loadConfig } from './config';

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
