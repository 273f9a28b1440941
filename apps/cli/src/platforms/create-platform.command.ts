import { isValidUsdAmount } from '@app/budgets';
import { Database } from '@app/persistence';
import { createdPlatformKeyResponse, createPlatform, platformResponse } from '@app/platforms';
import { InvalidArgumentError } from 'commander';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { printJson } from '../print-json';

interface Options {
  name: string;
  defaultBudgetUsd?: number;
}

/** Prints one JSON object: the platform and its first key, whose raw value is shown only here. */
@SubCommand({ name: 'create', description: 'Create a platform and its first platform key' })
export class CreatePlatformCommand extends CommandRunner {
  constructor(private readonly db: Database) {
    super();
  }

  async run(_: string[], options: Options): Promise<void> {
    const settings = options.defaultBudgetUsd === undefined ? {} : { default_budget_usd: options.defaultBudgetUsd };
    const { platform, key } = await this.db.transaction((sql) => createPlatform(sql, options.name, settings));
    printJson({ platform: platformResponse(platform), api_key: createdPlatformKeyResponse(key) });
  }

  @Option({ flags: '--name <name>', description: 'Platform name (1-200 characters)', required: true })
  parseName(value: string): string {
    if (value.length < 1 || value.length > 200) throw new InvalidArgumentError('the name must be 1-200 characters');
    return value;
  }

  @Option({ flags: '--default-budget-usd <usd>', description: 'Monthly budget given to each new end user' })
  parseDefaultBudget(value: string): number {
    const amount = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !isValidUsdAmount(amount))
      throw new InvalidArgumentError('must be a number > 0 and <= 999999.999999 with at most 6 decimals');
    return amount;
  }
}
