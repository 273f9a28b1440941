import { createdPlatformKeyResponse, issuePlatformKey } from '@app/platforms';
import { Option } from 'commander';
import { CliCommand, CommandFailed } from '../cli-command';
import { uuid } from '../option-parsers';

interface Options {
  platform: string;
  name: string;
}

/** Prints the new key; its raw value is shown only here. */
export const createPlatformKeyCommand: CliCommand<Options> = {
  path: ['platforms', 'keys', 'create'],
  description: 'Add a platform key',
  options: [
    new Option('--platform <id>', 'Platform id').makeOptionMandatory().argParser(uuid('a platform id')),
    new Option('--name <name>', 'Key name').default('Platform key'),
  ],
  async run({ database, printJson }, options) {
    const key = await database.transaction((sql) => issuePlatformKey(sql, options.platform, options.name));
    if (!key) throw new CommandFailed(`platform ${options.platform} does not exist`);
    printJson({ api_key: createdPlatformKeyResponse(key) });
  },
};
