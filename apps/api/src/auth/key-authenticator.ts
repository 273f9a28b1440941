import { ApiError } from '@app/http';
import { hashesEqual, hashKey, kindOfKey } from '@app/platforms';
import { Injectable } from '@nestjs/common';
import { Database } from '@app/persistence';
import { PlatformSettings } from '@app/platforms';
import { PlatformKeyCache } from './platform-key-cache';
import { EndUserPrincipal, PlatformPrincipal, Principal } from './principal';

interface PlatformKeyRow {
  key_id: string;
  platform_id: string;
  key_hash: Buffer;
  expires_at: Date | null;
  settings: PlatformSettings;
}

interface EndUserKeyRow {
  key_id: string;
  platform_id: string;
  end_user_id: string;
  key_hash: Buffer;
}

const unauthorized = () => new ApiError('unauthorized', 'A valid API key is required (Authorization: Bearer <key>)');

/**
 * Resolves a bearer key to who is calling, by SHA-256 hash; never logs or returns the key.
 * End-user keys are checked on every request (a deleted or deactivated user is locked out at once);
 * platform keys are cached for a moment (PlatformKeyCache).
 */
@Injectable()
export class KeyAuthenticator {
  constructor(
    private readonly db: Database,
    private readonly platformKeys: PlatformKeyCache,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer ([^\s]+)$/.exec(authorization?.trim() ?? '');
    if (!match) throw unauthorized();
    const raw = match[1];
    const kind = kindOfKey(raw);
    if (kind === null) throw unauthorized();
    const hash = hashKey(raw);
    const principal = kind === 'platform' ? await this.platformKey(hash) : await this.endUserKey(hash);
    if (!principal) throw unauthorized();
    return principal;
  }

  private async platformKey(hash: Buffer): Promise<PlatformPrincipal | null> {
    const cached = this.platformKeys.get(hash);
    if (cached) return cached;
    const rows = await this.db.query<PlatformKeyRow>(
      `SELECT k.id AS key_id, k.platform_id, k.key_hash, k.expires_at, p.settings
       FROM platform_api_keys k JOIN platforms p ON p.id = k.platform_id
       WHERE k.key_hash = $1 AND k.is_active AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [hash],
    );
    const row = rows[0];
    if (!row || !hashesEqual(row.key_hash, hash)) return null;
    const principal: PlatformPrincipal = { kind: 'platform', platformId: row.platform_id, keyId: row.key_id, settings: row.settings };
    this.platformKeys.remember(hash, principal, row.expires_at);
    return principal;
  }

  /** A deleted or deactivated user's keys stop working at once: the read row is gone or inactive. */
  private async endUserKey(hash: Buffer): Promise<EndUserPrincipal | null> {
    const rows = await this.db.query<EndUserKeyRow>(
      `SELECT k.id AS key_id, k.platform_id, k.end_user_id, h.key_hash
       FROM end_user_key_hashes h
       JOIN end_user_api_keys k ON k.id = h.key_id
       JOIN end_users u ON u.id = k.end_user_id
       WHERE h.key_hash = $1 AND k.is_active AND u.is_active AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [hash],
    );
    const row = rows[0];
    if (!row || !hashesEqual(row.key_hash, hash)) return null;
    return { kind: 'end_user', platformId: row.platform_id, endUserId: row.end_user_id, keyId: row.key_id };
  }
}
