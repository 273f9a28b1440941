import { decodeEndUserEvent, encodeEndUserEvent, ERASED, PersonalFieldCipher, UnknownEndUserEvent } from './event-codec';
import { EndUserEvent } from './events';

/** A reversible stand-in for the data-key cipher: the codec's job is what it seals, not how. */
const cipher: PersonalFieldCipher = {
  seal: (field, plaintext) => `sealed[${field}]${Buffer.from(plaintext).toString('base64')}`,
  open: (field, sealed) => {
    const prefix = `sealed[${field}]`;
    if (!sealed.startsWith(prefix)) throw new Error(`not sealed as ${field}`);
    return Buffer.from(sealed.slice(prefix.length), 'base64').toString();
  },
};

const apiKey = { keyId: 'k1', keyPrefix: 'sk-eu_ab', name: 'default', scopes: ['gateway'], issuedAt: '2026-01-01T00:00:00.000Z' };
const created: EndUserEvent = {
  type: 'EndUserCreated',
  data: {
    endUserId: 'u1',
    platformId: 'p1',
    externalId: 'marker-external',
    displayName: 'Marker Name',
    metadata: { email: 'marker@example.com' },
    createdAt: '2026-01-01T00:00:00.000Z',
    apiKey,
    budget: null,
  },
};
const updated: EndUserEvent = {
  type: 'EndUserUpdated',
  data: { endUserId: 'u1', changes: { displayName: 'Marker Two', metadata: { plan: 'marker' }, isActive: false }, updatedAt: '2026-01-02T00:00:00.000Z' },
};
const deleted: EndUserEvent = {
  type: 'EndUserDeleted',
  data: { endUserId: 'u1', platformId: 'p1', externalId: 'marker-external', deletedAt: '2026-01-03T00:00:00.000Z' },
};
const keyIssued: EndUserEvent = { type: 'EndUserApiKeyIssued', data: { endUserId: 'u1', apiKey } };

describe('encodeEndUserEvent', () => {
  it.each([created, updated, deleted, keyIssued])('writes $type at its current version, and decoding with the key gives it back', (event) => {
    const encoded = JSON.parse(JSON.stringify(encodeEndUserEvent(event, cipher)));
    expect(decodeEndUserEvent(encoded, cipher)).toEqual(event);
  });

  it('keeps no personal field in the clear, and every fact readable', () => {
    for (const event of [created, updated, deleted]) {
      const stored = JSON.stringify(encodeEndUserEvent(event, cipher).data);
      expect(stored).not.toMatch(/marker/i);
      expect(stored).toContain('"endUserId":"u1"');
    }
    expect(JSON.stringify(encodeEndUserEvent(updated, cipher).data)).toContain('"isActive":false');
    expect(JSON.stringify(encodeEndUserEvent(created, cipher).data)).toContain('"keyPrefix":"sk-eu_ab"');
  });

  it('binds the sealed value to its event type: the personal data of a creation, moved into a deletion does not open', () => {
    const fromCreated = (encodeEndUserEvent(created, cipher).data as { personal: string }).personal;
    const deletion = encodeEndUserEvent(deleted, cipher);
    const moved = { ...deletion, data: { ...(deletion.data as object), personal: fromCreated } };
    expect(() => decodeEndUserEvent(moved, cipher)).toThrow(/not sealed as EndUserDeleted.personal/);
  });

  it('seals only the changes a PATCH made', () => {
    const event: EndUserEvent = { type: 'EndUserUpdated', data: { endUserId: 'u1', changes: { isActive: true }, updatedAt: '2026-01-02T00:00:00.000Z' } };
    expect(encodeEndUserEvent(event, cipher).data).toEqual(event.data);
  });
});

describe('decodeEndUserEvent', () => {
  it('reads an erased user (no key) as its facts, without personal data', () => {
    const erased = decodeEndUserEvent(encodeEndUserEvent(created, cipher), null);
    expect(erased).toEqual({ type: 'EndUserCreated', data: { ...created.data, ...ERASED } });
    const erasedUpdate = decodeEndUserEvent(encodeEndUserEvent(updated, cipher), null);
    expect(erasedUpdate.data).toEqual({ ...updated.data, changes: { displayName: ERASED.displayName, metadata: ERASED.metadata, isActive: false } });
    expect(decodeEndUserEvent(encodeEndUserEvent(deleted, cipher), null).data).toEqual({ ...deleted.data, externalId: ERASED.externalId });
  });

  it('reads version 1 payloads, written before personal fields were sealed, as they are', () => {
    expect(decodeEndUserEvent({ type: 'EndUserCreated', schemaVersion: 1, data: created.data }, null)).toEqual(created);
    expect(decodeEndUserEvent({ type: 'EndUserUpdated', schemaVersion: 1, data: updated.data }, cipher)).toEqual(updated);
  });

  it('refuses an unknown type or a version from the future', () => {
    expect(() => decodeEndUserEvent({ type: 'EndUserRenamed', schemaVersion: 1, data: {} }, cipher)).toThrow(UnknownEndUserEvent);
    expect(() => decodeEndUserEvent({ type: 'EndUserUpdated', schemaVersion: 3, data: {} }, cipher)).toThrow(UnknownEndUserEvent);
    expect(() => decodeEndUserEvent({ type: 'EndUserUpdated', schemaVersion: 0, data: {} }, cipher)).toThrow(UnknownEndUserEvent);
  });
});
