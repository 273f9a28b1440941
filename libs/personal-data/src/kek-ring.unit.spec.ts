import { randomBytes, randomUUID } from 'node:crypto';
import { KekRing, UnknownKek } from './kek-ring';

const kek = (id: string) => ({ id, key: randomBytes(32) });

describe('KekRing', () => {
  const oldKek = kek('old');
  const newKek = kek('new');
  const alice = randomUUID();
  const bob = randomUUID();

  describe('wrap and unwrap', () => {
    const ring = new KekRing([oldKek]);

    it('wraps under the primary KEK and unwraps to the same data key', () => {
      const { dataKey, wrapped } = ring.newDataKey(alice);
      expect(wrapped.kekId).toBe('old');
      expect(dataKey).toHaveLength(32);
      expect(wrapped.wrapped.includes(dataKey)).toBe(false);
      expect(ring.unwrap(alice, wrapped)).toEqual(dataKey);
    });

    it("does not unwrap a wrapped key copied onto another end user's row", () => {
      const { wrapped } = ring.newDataKey(alice);
      expect(() => ring.unwrap(bob, wrapped)).toThrow();
    });

    it('does not unwrap a key relabelled as another KEK of the ring, even one with the same key bytes', () => {
      const twin = new KekRing([oldKek, { id: 'twin', key: oldKek.key }]);
      const { wrapped } = twin.newDataKey(alice);
      expect(() => twin.unwrap(alice, { ...wrapped, kekId: 'twin' })).toThrow();
    });

    it('throws UnknownKek for a KEK the ring does not hold', () => {
      const { wrapped } = new KekRing([kek('gone')]).newDataKey(alice);
      expect(() => ring.unwrap(alice, wrapped)).toThrow(UnknownKek);
      expect(() => ring.unwrap(alice, wrapped)).toThrow('"gone"');
    });

    it('refuses an empty ring', () => {
      expect(() => new KekRing([])).toThrow('at least one key');
    });
  });

  describe('rewrap', () => {
    const before = new KekRing([oldKek]);
    const during = new KekRing([newKek, oldKek]);
    const after = new KekRing([newKek]);

    it('wraps the same data key again under the primary, which a ring without the old KEK unwraps', () => {
      const { dataKey, wrapped } = before.newDataKey(alice);
      const rewrapped = during.rewrap(alice, wrapped);
      expect(rewrapped.kekId).toBe('new');
      expect(after.unwrap(alice, rewrapped)).toEqual(dataKey);
      expect(() => before.unwrap(alice, rewrapped)).toThrow(UnknownKek);
    });

    it('binds the rewrapped key to its end user still', () => {
      const rewrapped = during.rewrap(alice, before.newDataKey(alice).wrapped);
      expect(() => after.unwrap(bob, rewrapped)).toThrow();
    });

    it('is harmless on a key already under the primary: the same data key, freshly sealed', () => {
      const { dataKey, wrapped } = during.newDataKey(alice);
      const rewrapped = during.rewrap(alice, wrapped);
      expect(rewrapped.kekId).toBe('new');
      expect(rewrapped.wrapped.equals(wrapped.wrapped)).toBe(false);
      expect(after.unwrap(alice, rewrapped)).toEqual(dataKey);
    });

    it('throws UnknownKek for a key under a KEK the ring does not hold, and fails on one that does not open', () => {
      expect(() => after.rewrap(alice, before.newDataKey(alice).wrapped)).toThrow(UnknownKek);
      expect(() => during.rewrap(bob, before.newDataKey(alice).wrapped)).toThrow();
    });
  });
});
