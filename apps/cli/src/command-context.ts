import { AppConfig, loadConfig } from '@app/config';
import { Database } from '@app/persistence';
import { DataKeys, KekRing } from '@app/personal-data';
import { CommandContext } from './cli-command';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

/**
 * The context of one invocation. The configuration is loaded and the pool created only when a
 * command asks for them, so help, `--version` and argument errors need neither a valid
 * environment nor a database; `close` ends the pool only if one was made.
 */
export class LazyCommandContext implements CommandContext {
  private loadedConfig?: AppConfig;
  private connected?: Database;
  private keys?: DataKeys;

  constructor(private readonly io: CliIo) {}

  get config(): AppConfig {
    return (this.loadedConfig ??= loadConfig(this.io.env));
  }

  get database(): Database {
    // Operator commands (rebuilds build indexes on large tables) run without a statement deadline.
    return (this.connected ??= Database.connect({ ...this.config, DB_POOL_MAX: 2, DB_STATEMENT_TIMEOUT_MS: 0 }, 'end-users-cli'));
  }

  get dataKeys(): DataKeys {
    return (this.keys ??= new DataKeys(new KekRing(this.config.dataKeks)));
  }

  // Bound, so that a command may destructure them from its context.
  readonly printJson = (value: unknown): void => this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  readonly note = (line: string): void => this.io.stderr(`${line}\n`);

  async close(): Promise<void> {
    await this.connected?.close();
  }
}
