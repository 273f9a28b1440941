export const DEFAULT_KEY_NAME = 'Default key';
export const DEFAULT_KEY_SCOPES: readonly string[] = ['inference'];

/** What an event records of an issued key: never the raw key and never its hash. */
export interface IssuedApiKey {
  keyId: string;
  name: string;
  scopes: string[];
  keyPrefix: string;
  issuedAt: string;
}
