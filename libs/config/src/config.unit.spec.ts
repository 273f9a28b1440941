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
