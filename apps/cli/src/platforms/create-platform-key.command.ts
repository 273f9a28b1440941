import { Database } from '@app/persistence';
import { createdPlatformKeyResponse, issuePlatformKey } from '@app/platforms';
import { InvalidArgumentError } from 'commander';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { printJson } from '../print-json';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Options {
  platform: string;
  name: string;
}

@SubCommand({ name: 'create', description: 'Add a platform key' })
export class CreatePlatformKeyCommand extends CommandRunner {
  constructor(private readonly db: Database) {
    super();
  }

  async run(_: string[], options: Options): Promise<void> {
    const key = await this.db.transaction((sql) => issuePlatformKey(sql, options.platform, options.name));
    if (!key) {
      process.stderr.write(`platform ${options.platform} does not exist\n`);
      process.exitCode = 1;
      return;
    }
    printJson({ api_key: createdPlatformKeyResponse(key) });
  }

  @Option({ flags: '--platform <id>', description: 'Platform id', required: true })
  parsePlatform(value: string): string {
    if (!UUID.test(value)) throw new InvalidArgumentError('must be a platform id (UUID)');
    return value.toLowerCase();
  }

  @Option({ flags: '--name <name>', description: 'Key name', defaultValue: 'Platform key' })
  parseName(value: string): string {
    return value;
  }
}

@Command({ name: 'keys', description: 'Manage platform keys', subCommands: [CreatePlatformKeyCommand] })
export class PlatformKeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
