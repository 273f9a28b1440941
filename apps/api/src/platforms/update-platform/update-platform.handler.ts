import { ApiError } from '@app/http';
import { Database, afterCommit } from '@app/persistence';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { findPlatform, PlatformResponse, platformResponse, updatePlatform } from '@app/platforms';
import { PlatformKeyCache } from '../../auth/platform-key-cache';
import { UpdatePlatformCommand } from './update-platform.command';

/** Platform settings are plain state, not events: they only parameterise later end-user decisions. */
@CommandHandler(UpdatePlatformCommand)
export class UpdatePlatformHandler implements ICommandHandler<UpdatePlatformCommand, PlatformResponse> {
  constructor(
    private readonly db: Database,
    private readonly platformKeys: PlatformKeyCache,
  ) {}

  async execute(command: UpdatePlatformCommand): Promise<PlatformResponse> {
    const sql = this.db;
    const nothingToChange = command.patch.name === undefined && Object.keys(command.patch.settings ?? {}).length === 0;
    const row = nothingToChange ? await findPlatform(sql, command.platformId) : await updatePlatform(sql, command.platformId, command.patch);
    if (!row) throw ApiError.notFound('Platform');
    // This process's next request sees the new settings (others within AUTH_CACHE_TTL_MS).
    if (!nothingToChange) afterCommit(() => this.platformKeys.forgetPlatform(command.platformId));
    return platformResponse(row);
  }
}
