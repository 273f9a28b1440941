import { isValidUsdAmount } from '@app/end-users';
import { createdPlatformKeyResponse, createPlatform, platformResponse } from '@app/platforms';
import { InvalidArgumentError, Option } from 'commander';
import { CliCommand } from '../cli-command';

interface Options {
  name: string;
  defaultBudgetUsd?: number;
}

/** Prints one JSON object: the platform and its first key, whose raw value is shown only here. */
export const createPlatformCommand: CliCommand<Options> = {
  path: ['platforms', 'create'],
  description: 'Create a platform and its first platform key',
  options: [
    new Option('--name <name>', 'Platform name (1-200 characters)').makeOptionMandatory().argParser((value: string) => {
      if (value.length < 1 || value.length > 200) throw new InvalidArgumentError('the name must be 1-200 characters');
      return value;
    }),
    new Option('--default-budget-usd <usd>', 'Monthly budget given to each new end user').argParser((value: string) => {
      const amount = Number(value);
      if (!/^\d+(\.\d+)?$/.test(value) || !isValidUsdAmount(amount))
        throw new InvalidArgumentError('must be a number > 0 and <= 999999.999999 with at most 6 decimals');
      return amount;
    }),
  ],
  async run({ database, printJson }, options) {
    const settings = options.defaultBudgetUsd === undefined ? {} : { default_budget_usd: options.defaultBudgetUsd };
    const { platform, key } = await database.transaction((sql) => createPlatform(sql, options.name, settings));
    printJson({ platform: platformResponse(platform), api_key: createdPlatformKeyResponse(key) });
  },
};
