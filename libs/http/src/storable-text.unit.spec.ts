import { findUnstorableText } from './storable-text';

describe('findUnstorableText', () => {
  it('accepts ordinary unicode, including paired surrogates', () => {
    expect(findUnstorableText({ name: 'Zoë 😀 日本', tags: ['a', { b: 'c' }] })).toBeNull();
  });

  it('finds a NUL character with its path', () => {
    expect(findUnstorableText({ metadata: { notes: ['ok', 'bad\u0000'] } })).toEqual({ path: 'metadata.notes.1', issue: 'invalid_character' });
  });

  it('finds NUL in an object key', () => {
    expect(findUnstorableText({ metadata: { 'k\u0000': 1 } })).toEqual({ path: 'metadata.k\u0000', issue: 'invalid_character' });
  });

  it('finds unpaired high and low surrogates', () => {
    expect(findUnstorableText({ a: 'x\uD800' })).toEqual({ path: 'a', issue: 'invalid_character' });
    expect(findUnstorableText({ a: '\uDC00x' })).toEqual({ path: 'a', issue: 'invalid_character' });
  });

  it('refuses nesting deeper than the limit', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(findUnstorableText(deep)?.issue).toBe('too_deep');
  });
});
