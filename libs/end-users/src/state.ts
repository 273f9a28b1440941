import { AutoBudgetDecision } from './budgets';
import { IssuedApiKey } from './api-key';
import { JsonObject } from './json';

export interface EndUser {
  id: string;
  platformId: string;
  externalId: string;
  displayName: string | null;
  metadata: JsonObject;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export type EndUserState = { status: 'absent' } | { status: 'existing' | 'deleted'; user: EndUser; apiKeys: IssuedApiKey[]; budget: AutoBudgetDecision | null };

export const initialState = (): EndUserState => ({ status: 'absent' });
