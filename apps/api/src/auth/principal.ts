import type { PlatformSettings } from '@app/platforms';
import type { Request } from 'express';

export interface PlatformPrincipal {
  kind: 'platform';
  platformId: string;
  keyId: string;
  settings: PlatformSettings;
}

export interface EndUserPrincipal {
  kind: 'end_user';
  platformId: string;
  endUserId: string;
  keyId: string;
}

export type Principal = PlatformPrincipal | EndUserPrincipal;

export type AuthenticatedRequest = Request & { principal?: Principal };
