import type { Decider } from '../decider';

/** given(events) / when(command) / then(events | error), as emmett's DeciderSpecification. */
export function deciderSpecification<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return {
    given(events: Event[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        when(command: Command) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: Event[]) {
              expect(run()).toEqual(expected);
            },
            thenThrows(errorType: new (...args: never[]) => Error) {
              expect(run).toThrow(errorType);
            },
          };
        },
      };
    },
  };
}
