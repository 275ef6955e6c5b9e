/** The configuration schema language: defaults, validation with paths, text parsing and merging from one declaration; the older app form reads the same. */
import { describe, expect, it } from 'vitest';
import { any, bool, defaultsOf, formatPath, int, list, mergeValues, num, oneOf, optional, parseText, record, section, str, toSection, validate, type ConfigOf } from '../../src/core/config-schema.js';
import { AppConfigError, resolveAppConfig } from '../../src/apps/schema.js';
import { defaultForwardingConfig, forwardingSchema } from '../../src/apps/forwarding/index.js';

const schema = section({
  intervalMs: int({ default: 1000, min: 1, unit: 'ms', doc: 'how often' }),
  ratio: num({ default: 0.5, above: 0, max: 1 }),
  name: optional(str({ nonEmpty: true })),
  mode: oneOf(['a', 'b'], { default: 'a' }),
  on: bool({ default: true }),
  ports: list(int({ min: 1 }), { default: [1, 2] }),
  weights: record(num({ above: 0 }), { default: {}, keyPattern: /^w\d$/, keyDoc: 'w and a digit' }),
  nested: section({ deep: str({ default: 'x' }) }),
  free: record(record(any(), { mergeKeys: true }), { default: {}, mergeKeys: true }),
}, { validate: (c) => (c.on || c.mode === 'b' ? undefined : { path: ['mode'], message: 'must be b when off' }) });

describe('the schema language', () => {
  it('infers the type and gives the defaults', () => {
    const d: ConfigOf<typeof schema> = defaultsOf(schema);
    expect(d).toEqual({ intervalMs: 1000, ratio: 0.5, mode: 'a', on: true, ports: [1, 2], weights: {}, nested: { deep: 'x' }, free: {} });
    // @ts-expect-error mode is 'a' | 'b'
    const bad: ConfigOf<typeof schema>['mode'] = 'c';
    expect(bad).toBe('c');
  });

  it('names the path of the first bad value', () => {
    const d = defaultsOf(schema);
    const at = (v: unknown, partial = false): string | undefined => {
      const i = validate(schema, v, ['x'], { partial });
      return i && `${formatPath(i.path)}: ${i.message}`;
    };
    expect(at(d)).toBeUndefined();
    expect(at({ ...d, intervalMs: 0 })).toBe('x.intervalMs: must be at least 1, got 0');
    expect(at({ ...d, intervalMs: 1.5 })).toBe('x.intervalMs: expected an integer, got 1.5');
    expect(at({ ...d, ratio: 0 })).toBe('x.ratio: must be above 0, got 0');
    expect(at({ ...d, ports: [1, 0] })).toBe('x.ports[1]: must be at least 1, got 0');
    expect(at({ ...d, weights: { q: 1 } })).toBe('x.weights: "q": keys are w and a digit');
    expect(at({ ...d, nested: { deep: 1 } })).toBe('x.nested.deep: expected a string, got 1');
    expect(at({ ...d, nested: { Deep: 'y' } })).toBe('x.nested.Deep: unknown setting (did you mean x.nested.deep?)');
    expect(at({ ...d, nested: { q: 'y' } })).toBe('x.nested.q: unknown setting; known: deep');
    expect(at({ ...d, on: false })).toBe('x.mode: must be b when off');
    expect(at({ ...d, name: '' })).toBe('x.name: must not be empty');
    expect(at({ intervalMs: 5 }, true)).toBeUndefined();
    const tokens = list(section({ name: str(), secret: str({ minLength: 4, secret: true }) }), { uniqueBy: 'name' });
    expect(validate(tokens, [{ name: 'a' }])).toEqual({ path: [0, 'secret'], message: 'is required' });
    expect(validate(tokens, [{ name: 'a', secret: 'abc' }])).toEqual({ path: [0, 'secret'], message: 'must be at least 4 characters long' });
    expect(validate(tokens, [{ name: 'a', secret: 'abcd' }, { name: 'a', secret: 'abcd' }])).toEqual({ path: [1, 'name'], message: '"a" is used twice' });
  });

  it('reads text as the setting says and merges sections and marked records key by key', () => {
    expect(parseText(schema.fields.intervalMs, ' 250 ')).toBe(250);
    expect(() => parseText(schema.fields.intervalMs, 'soon')).toThrow('expected an integer, got "soon"');
    expect(parseText(schema.fields.on, 'off')).toBe(false);
    expect(parseText(schema.fields.ports, '3, 4')).toEqual([3, 4]);
    expect(parseText(schema.fields.ports, '[5]')).toEqual([5]);
    expect(parseText(schema.fields.weights, '{"w1":2}')).toEqual({ w1: 2 });
    expect(parseText(any(), 'tree')).toBe('tree');
    const base = { ...defaultsOf(schema), ports: [1, 2], weights: { w1: 1 }, free: { a: { x: 1, y: 2 } } };
    expect(mergeValues(schema, base, { ports: [9], weights: { w2: 2 }, nested: {}, free: { a: { y: 3 }, b: { z: 1 } } })).toEqual({
      ...base,
      ports: [9],
      weights: { w2: 2 },
      free: { a: { x: 1, y: 3 }, b: { z: 1 } },
    });
  });

  it('reads the older defaults-plus-fields form of an app schema as the same language', () => {
    const legacy = { defaults: { n: 1, mode: 'a' }, fields: { n: { type: 'number', integer: true, min: 0 }, mode: { type: 'string', enum: ['a', 'b'] } } } as const;
    const s = toSection(legacy);
    expect(defaultsOf(s)).toEqual({ n: 1, mode: 'a' });
    expect(s.fields.n).toMatchObject({ kind: 'number', integer: true, min: 0, default: 1 });
    expect(toSection(legacy)).toBe(s);
  });

  it('checks built-in app settings from the app declaration (the same path as PUT /api/v1/apps/:name/config)', () => {
    expect(resolveAppConfig('forwarding', forwardingSchema, {})).toEqual(defaultForwardingConfig);
    expect(resolveAppConfig('forwarding', forwardingSchema, { floodMode: 'tree' }).floodMode).toBe('tree');
    expect(() => resolveAppConfig('forwarding', forwardingSchema, { floodMode: 'all' })).toThrow(new AppConfigError('apps.settings.forwarding.floodMode', 'expected one of edge, tree, got "all"'));
    expect(() => resolveAppConfig('forwarding', forwardingSchema, { tableMissPriority: 10 })).toThrow(new AppConfigError('apps.settings.forwarding', 'tableMissPriority must be below flowPriority'));
    expect(() => resolveAppConfig('forwarding', forwardingSchema, { idleTimeoutSec: 1e6 })).toThrow(/apps\.settings\.forwarding\.idleTimeoutSec: must be at most 65535/);
  });
});
