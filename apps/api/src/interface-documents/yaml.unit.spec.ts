import { createRequire } from 'node:module';
import { toYaml } from './yaml';

// The YAML reader of @nestjs/swagger (a dependency of it), used here only to read the output back.
const yaml = createRequire(require.resolve('@nestjs/swagger'))('js-yaml') as { load(text: string): unknown };

describe('toYaml', () => {
  it('writes block YAML that reads back as the same data', () => {
    const data = {
      title: 'End Users events',
      version: '0.1.0',
      $ref: '#/components/schemas/EnvelopeV1/definitions/apiKey',
      'content-type': 'application/json',
      'dlt.origin.topic': 'end-users.events.v1',
      nested: { list: [1, 'two', null, true, { a: [], b: {} }, [3, [4]]], empty: [] },
      objects: [{ name: 'a', tags: ['x'] }, {}],
    };
    const text = toYaml(data);
    expect(text.endsWith('\n')).toBe(true);
    expect(yaml.load(text)).toEqual(data);
    expect(text).toContain('title: End Users events\n');
    expect(text).toContain('  list:\n    - 1\n    - two\n');
  });

  it.each([
    ['yes'],
    ['No'],
    ['on'],
    ['null'],
    ['true'],
    ['~'],
    ['123'],
    ['1.5'],
    ['2026-04-08T10:30:00Z'],
    [''],
    [' leading space'],
    ['trailing space '],
    ['a: b'],
    ['a #comment'],
    ['- dash'],
    ['"quoted"'],
    ["'single'"],
    ['*alias'],
    ['&anchor'],
    ['!tag'],
    ['%directive'],
    ['@at'],
    ['`tick'],
    ['{braces}'],
    ['[brackets]'],
    ['line\nbreak'],
    ['tab\there'],
    ['unicode … ✓'],
    ['back\\slash'],
  ])('keeps the string %j a string, as key and as value', (value) => {
    expect(yaml.load(toYaml({ [value]: value, list: [value] }))).toEqual({ [value]: value, list: [value] });
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => toYaml({ n: Number.NaN })).toThrow('not JSON');
    expect(() => toYaml({ f: () => 1 })).toThrow('not JSON');
  });
});
