/** The event stream's documentation: docs/api.md's table and the OpenAPI description name exactly the events the stream sends, with the same fields, and a real message has the documented fields. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_MESSAGES, EVENT_NAMES, EVENTS_DESCRIPTION, eventMessage } from '../../src/api/websocket.js';
import { makeRig, type ApiRig } from './api-harness.js';

const rigs: ApiRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

/** The rows of docs/api.md's event table: name → fields text. */
function documented(): Map<string, string> {
  const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Event stream'), doc.indexOf('\n## ', doc.indexOf('## Event stream') + 1));
  return new Map([...section.matchAll(/^\| `(\w+)` \| (.*) \|$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('event stream docs', () => {
  it('docs/api.md lists every event the stream sends, and no other, with the fields the code describes', () => {
    const rows = documented();
    expect([...rows.keys()].sort()).toEqual([...EVENT_NAMES, 'hello', 'heartbeat'].sort());
    expect(Object.keys(EVENT_MESSAGES).sort()).toEqual([...rows.keys()].sort());
    for (const [name, fields] of rows) expect(fields, name).toBe(EVENT_MESSAGES[name as keyof typeof EVENT_MESSAGES]);
  });

  it('the OpenAPI document describes the stream: filters, auth, Origin and every message', async () => {
    const r = await makeRig();
    rigs.push(r);
    const spec = (await r.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, { get?: { description?: string; parameters?: { name: string }[] } }> };
    const op = spec.paths['/api/v1/events']!.get!;
    expect(op.description).toBe(EVENTS_DESCRIPTION);
    for (const name of [...EVENT_NAMES, 'hello', 'heartbeat']) expect(op.description).toContain(`\`${name}\`:`);
    expect(op.description).toMatch(/access_token/);
    expect(op.description).toMatch(/Origin/);
    expect((op.parameters ?? []).map((p) => p.name).sort()).toEqual(['access_token', 'dpid', 'types']);
    // A plain GET is told to upgrade.
    const plain = await r.app.inject({ url: '/api/v1/events' });
    expect(plain.statusCode).toBe(426);
    expect(plain.json()).toMatchObject({ code: 'upgrade_required' });
  });

  it('a message carries the documented fields (link, host, switchConnected)', () => {
    const link = eventMessage('linkAdded', { link: { src: 1n, srcPort: 2, dst: 3n, dstPort: 4, discoveredAt: 5, lastSeen: 6 } }, 0);
    expect(link).toEqual({ type: 'linkAdded', time: '1970-01-01T00:00:00.000Z', link: { src: '0000000000000001', srcPort: 2, dst: '0000000000000003', dstPort: 4, discoveredAt: 5, lastSeen: 6 } });
    /** The top-level field names the docs give inside `key: { ... }`. */
    const fieldsOf = (name: keyof typeof EVENT_MESSAGES, key: string): string[] => {
      const text = EVENT_MESSAGES[name];
      const from = text.indexOf(`\`${key}: {`) + key.length + 4;
      let depth = 1;
      let i = from;
      for (; depth > 0; i++) depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
      return text
        .slice(from, i - 1)
        .replace(/\{[^{}]*\}/g, '')
        .split(',')
        .map((f) => f.trim().replace(/[?:].*$/, ''));
    };
    expect(Object.keys(link.link as object)).toEqual(fieldsOf('linkAdded', 'link'));
    const host = eventMessage('hostAdded', { host: { id: 'm', mac: 'm', vlan: 10, ipv4: [], ipv6: [], location: { dpid: 1n, port: 1 }, firstSeen: 1, lastSeen: 2 } }, 0);
    expect(Object.keys(host.host as object)).toEqual(fieldsOf('hostAdded', 'host'));
    const sw = eventMessage('switchConnected', { dpid: 1n, version: 4, remoteAddress: '127.0.0.1' }, 0);
    expect(sw).toEqual({ type: 'switchConnected', time: '1970-01-01T00:00:00.000Z', dpid: '0000000000000001', switch: { version: '1.3', remoteAddress: '127.0.0.1' } });
  });
});
