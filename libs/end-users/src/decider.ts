import { EndUserCommand } from './commands';
import { decide } from './decide';
import { EndUserEvent } from './events';
import { evolve } from './evolve';
import { EndUserState, initialState } from './state';

export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export const endUserDecider: Decider<EndUserCommand, EndUserEvent, EndUserState> = { decide, evolve, initialState };
