import { silenceNegativeTimeoutWarnings } from './negative-timeout-warning';

describe('silenceNegativeTimeoutWarnings', () => {
  it("drops Node's TimeoutNegativeWarning (kafkajs#1751) and lets every other warning through", () => {
    const emitted: unknown[][] = [];
    const target = { emitWarning: ((...args: unknown[]) => void emitted.push(args)) as NodeJS.Process['emitWarning'] };
    silenceNegativeTimeoutWarnings(target);
    silenceNegativeTimeoutWarnings(target);
    target.emitWarning('-5 is a negative number.', 'TimeoutNegativeWarning');
    target.emitWarning('-5 is a negative number.', { type: 'TimeoutNegativeWarning' });
    target.emitWarning('something else', 'SomeOtherWarning');
    target.emitWarning('deprecated', { type: 'DeprecationWarning', code: 'DEP0001' });
    expect(emitted).toEqual([
      ['something else', 'SomeOtherWarning'],
      ['deprecated', { type: 'DeprecationWarning', code: 'DEP0001' }],
    ]);
  });
});
