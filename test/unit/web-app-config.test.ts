/** The apps view's config editor, pure: effective config → fields (declared ones read-only) → the PUT body (stored override + edits), API fields → keys. */
import { describe, expect, it } from 'vitest';
import { configBody, configFields, declaredKeys, fieldKey, fieldValue } from '../../web/src/app-config.js';

const CONFIG = { flowPriority: 10, installTableMiss: true, floodMode: 'edge', ports: [1, 2] };

describe('app config editor', () => {
  it('shows each setting with its kind; keys the network config declares are read-only', () => {
    const declared = declaredKeys({ file: 'net.yaml', network: { settings: { forwarding: { floodMode: 'tree' } } } }, 'forwarding');
    const f = configFields(CONFIG, declared);
    expect(f.map((x) => [x.key, x.kind, x.declared])).toEqual([
      ['floodMode', 'string', true],
      ['flowPriority', 'number', false],
      ['installTableMiss', 'boolean', false],
      ['ports', 'json', false],
    ]);
    expect(f.find((x) => x.key === 'ports')!.text.replace(/\s/g, '')).toBe('[1,2]');
    expect(declaredKeys({}, 'forwarding').size).toBe(0);
    expect(declaredKeys(undefined, 'x').size).toBe(0);
  });

  it('puts the stored override with the edited settings over it, each with its JSON type, and no untouched default', () => {
    const f = configFields(CONFIG, new Set(['floodMode']));
    // Edited: flowPriority and installTableMiss; ports untouched, floodMode declared.
    expect(configBody(f, { flowPriority: '200', installTableMiss: 'false' }, {})).toEqual({ body: { flowPriority: 200, installTableMiss: false }, changed: ['flowPriority', 'installTableMiss'] });
    // An earlier override is kept (a PUT replaces it), an edit wins over it, a declared key in it is dropped (the API refuses it).
    expect(configBody(f, { flowPriority: '200' }, { ports: [3], flowPriority: 7, floodMode: 'all' })).toEqual({ body: { ports: [3], flowPriority: 200 }, changed: ['flowPriority'] });
    // A field typed back to what it showed is not a change; nothing changed: nothing to save.
    expect(configBody(f, { flowPriority: '10' }, { ports: [3] })).toEqual({ body: { ports: [3] }, changed: [] });
    expect(configBody(f, {}, {})).toEqual({ body: {}, changed: [] });
  });

  it('sends a number field that is not a number as text, for the API to name; bad JSON is caught here', () => {
    expect(fieldValue('number', 'abc')).toEqual({ value: 'abc' });
    expect(fieldValue('number', ' ')).toEqual({ value: ' ' });
    expect(fieldValue('number', '-5')).toEqual({ value: -5 });
    const f = configFields(CONFIG, new Set());
    const r = configBody(f, { ports: '[1,' }, {});
    expect('errors' in r && Object.keys(r.errors)).toEqual(['ports']);
  });

  it("maps the API's field to the setting", () => {
    expect(fieldKey('body.flowPriority')).toBe('flowPriority');
    expect(fieldKey('body.interfaces[0]')).toBe('interfaces');
    expect(fieldKey('body.a.b')).toBe('a');
    expect(fieldKey('params.name')).toBeUndefined();
    expect(fieldKey(undefined)).toBeUndefined();
  });
});
