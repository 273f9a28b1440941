import { DEVELOPMENT_CREDENTIALS_KEY, DEVELOPMENT_DATA_KEK, type KeyEncryptionKey, parseCredentialsKey, parseKekRing } from './secret-keys';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, ValidateBy, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value);

/** The problem parseKekRing finds in a DATA_KEK value, in its own words (which never show a key). */
function kekRingProblem(value: unknown): string | undefined {
  try {
    parseKekRing(String(value));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const IsKekRing = () =>
  ValidateBy({
    name: 'isKekRing',
    validator: { validate: (value) => kekRingProblem(value) === undefined, defaultMessage: (args) => `DATA_KEK ${kekRingProblem(args?.value)}` },
  });

/** Every setting comes from the environment; the defaults run the whole system on one developer machine. */
export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV = 'development';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// connection string' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/end_users';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_MAX = 10;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DB_STATEMENT_TIMEOUT_MS = 5_000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3000;

  /** The worker's own HTTP port, for health checks (and metrics). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65_535)
  WORKER_PORT = 3001;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL = 'log';

  /**
   * How long an API process trusts a platform key it has verified (0: never): a revoked or expired
   * key, or settings changed by another process, take effect within this time.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  AUTH_CACHE_TTL_MS = 2_000;

  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsString()
  @IsNotEmpty()
  KAFKA_TOPIC = 'end-users.events.v1';

  /** Dead-letter topic; empty means `<KAFKA_TOPIC>.dlt`. */
  @IsOptional()
  @IsString()
  KAFKA_DLT_TOPIC = '';

  @IsString()
  @IsNotEmpty()
  KAFKA_CLIENT_ID = 'end-users';

  @IsString()
  @IsNotEmpty()
  KAFKA_CONSUMER_GROUP = 'end-users-worker';

  @Transform(toBool)
  @IsBoolean({ message: 'OUTBOX_RELAY_ENABLED must be true or false' })
  OUTBOX_RELAY_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(60_000)
  OUTBOX_POLL_INTERVAL_MS = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  OUTBOX_BATCH_SIZE = 500;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  WORKER_MAX_ATTEMPTS = 5;

  /** 32 bytes, base64 or hex: the AES-256-GCM key of stored idempotent responses (the name is historical: MCP credentials are sealed with each user's data key). Required in production. */
  @IsOptional()
  @Matches(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, { message: 'MCP_CREDENTIALS_KEY must be 32 bytes as 64 hex characters or 44 base64 characters' })
  MCP_CREDENTIALS_KEY?: string;

  /**
   * The key-encryption keys that wrap each end user's data key: `id:hex64[,id:hex64...]`, the first
   * wraps new data keys, the others still unwrap. Required in production.
   */
  @IsOptional()
  @IsKekRing()
  DATA_KEK?: string;

  get deadLetterTopic(): string {
    return this.KAFKA_DLT_TOPIC || `${this.KAFKA_TOPIC}.dlt`;
  }

  /** The parsed DATA_KEK, or the development KEK when it is unset (which loadConfig allows only outside production). */
  get dataKeks(): KeyEncryptionKey[] {
    return this.DATA_KEK ? parseKekRing(this.DATA_KEK) : [DEVELOPMENT_DATA_KEK];
  }
}

export class ConfigError extends Error {}

/** Variables whose value never appears in an error message (nor, therefore, in a log). */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['MCP_CREDENTIALS_KEY', 'DATA_KEK']);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(AppConfig, defined, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false });
  if (errors.length > 0) {
    const problems = errors.map((error) => `${describe(error.property, defined[error.property])}: ${Object.values(error.constraints ?? {}).join('; ')}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  if (config.NODE_ENV === 'production') {
    const credentialsKey = productionCredentialsKeyProblem(config.MCP_CREDENTIALS_KEY);
    const kekRing = productionKekRingProblem(config.DATA_KEK);
    const problems = [credentialsKey && `MCP_CREDENTIALS_KEY ${credentialsKey}`, kekRing && `DATA_KEK ${kekRing}`].filter(Boolean);
    if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return config;
}

/**
 * Production needs a key of its own: a missing key would fall back to the development key, whose
 * derivation is in this repository, and an all-zero key is a placeholder (the old compose default).
 */
function productionCredentialsKeyProblem(encoded: string | undefined): string | undefined {
  if (!encoded) return 'is required when NODE_ENV=production (32 random bytes as hex: openssl rand -hex 32)';
  const key = parseCredentialsKey(encoded);
  if (key.every((byte) => byte === 0)) return 'is all zeros, a placeholder: production needs a random key (openssl rand -hex 32)';
  if (key.equals(DEVELOPMENT_CREDENTIALS_KEY)) return 'is the development key, which is public: production needs a random key (openssl rand -hex 32)';
  return undefined;
}

/** The same rules for every key-encryption key of DATA_KEK, named by id (an id is not secret). */
function productionKekRingProblem(encoded: string | undefined): string | undefined {
  const generate = 'echo "k1:$(openssl rand -hex 32)"';
  if (!encoded) return `is required when NODE_ENV=production (id:key pairs, each key 32 random bytes as hex: ${generate})`;
  const ring = parseKekRing(encoded);
  const zero = ring.find((kek) => kek.key.every((byte) => byte === 0));
  if (zero) return `key "${zero.id}" is all zeros, a placeholder: production needs random keys (${generate})`;
  const development = ring.find((kek) => kek.key.equals(DEVELOPMENT_DATA_KEK.key));
  if (development) return `key "${development.id}" is the development key, which is public: production needs random keys (${generate})`;
  return undefined;
}

/** How an error names a variable: a secret's value is never shown, nor the password in DATABASE_URL. */
function describe(name: string, value: string | undefined): string {
  if (value === undefined) return name;
  if (SECRET_VARIABLES.has(name)) return `${name} (value not shown)`;
  if (name === 'DATABASE_URL') return `${name}=${JSON.stringify(withoutPassword(value))}`;
  return `${name}=${JSON.stringify(value)}`;
}

/** Shows a connection string without its password; anything else (where a password could not be told apart) not at all. */
function withoutPassword(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed?.host) return '(value not shown: not a URL with a host)';
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
