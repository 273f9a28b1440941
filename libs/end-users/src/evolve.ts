import { EndUserEvent } from './events';
import { EndUserState } from './state';

export function evolve(state: EndUserState, event: EndUserEvent): EndUserState {
  switch (event.type) {
    case 'EndUserCreated': {
      const { data } = event;
      return {
        status: 'existing',
        user: {
          id: data.endUserId,
          platformId: data.platformId,
          externalId: data.externalId,
          displayName: data.displayName,
          metadata: data.metadata,
          isActive: true,
          createdAt: data.createdAt,
          updatedAt: data.createdAt,
        },
        apiKeys: [data.apiKey],
        budget: data.budget,
      };
    }
    case 'EndUserUpdated': {
      if (state.status === 'absent') return state;
      return { ...state, user: Object.assign({}, state.user, event.data.changes, { updatedAt: event.data.updatedAt }) };
    }
    case 'EndUserApiKeyIssued': {
      if (state.status === 'absent') return state;
      return { ...state, apiKeys: [...state.apiKeys, event.data.apiKey] };
    }
    case 'EndUserDeleted': {
      if (state.status === 'absent') return state;
      return { ...state, status: 'deleted' };
    }
  }
}

export function fold(events: readonly EndUserEvent[], from: EndUserState): EndUserState {
  return events.reduce(evolve, from);
}
