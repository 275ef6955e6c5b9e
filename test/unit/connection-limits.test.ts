import { describe, expect, it } from 'vitest';
import { ConnectionLimits, normalizeAddress, type Admission } from '../../src/openflow/connection-limits.js';

const none = { maxConnections: 0, maxConnectionsPerAddress: 0, maxHandshakes: 0, maxHandshakesPerAddress: 0 };

function admitted(a: Admission | string): Admission {
  if (typeof a === 'string') throw new Error(`refused: ${a}`);
  return a;
}

describe('ConnectionLimits', () => {
  it('refuses beyond the global connection cap and admits again once one closes', () => {
    const l = new ConnectionLimits({ ...none, maxConnections: 2 });
    const a = admitted(l.admit('10.0.0.1'));
    admitted(l.admit('10.0.0.2'));
    expect(l.admit('10.0.0.3')).toBe('connections');
    a.closed();
    a.closed(); // idempotent: frees one slot, not two
    admitted(l.admit('10.0.0.3'));
    expect(l.admit('10.0.0.4')).toBe('connections');
    expect(l.refused.connections).toBe(2);
    expect(l.counts.open).toBe(2);
  });

  it('caps connections per source address, other addresses unaffected; IPv4-mapped IPv6 is the same address', () => {
    const l = new ConnectionLimits({ ...none, maxConnectionsPerAddress: 1 });
    admitted(l.admit('10.0.0.1'));
    expect(l.admit('::ffff:10.0.0.1')).toBe('connections_per_address');
    admitted(l.admit('10.0.0.2'));
    expect(l.refused.connections_per_address).toBe(1);
  });

  it('counts handshakes apart: a finished handshake frees a handshake slot, not a connection slot', () => {
    const l = new ConnectionLimits({ ...none, maxHandshakes: 1, maxConnectionsPerAddress: 2 });
    const a = admitted(l.admit('10.0.0.1'));
    expect(l.admit('10.0.0.2')).toBe('handshakes');
    a.handshakeDone();
    a.handshakeDone();
    expect(l.counts).toEqual({ open: 1, handshaking: 0, addresses: 1 });
    const b = admitted(l.admit('10.0.0.1'));
    expect(l.admit('10.0.0.1')).toBe('connections_per_address');
    b.closed(); // closing in handshake frees both
    expect(l.counts).toEqual({ open: 1, handshaking: 0, addresses: 1 });
    a.closed();
    expect(l.counts).toEqual({ open: 0, handshaking: 0, addresses: 0 });
  });

  it('caps handshakes per source address', () => {
    const l = new ConnectionLimits({ ...none, maxHandshakesPerAddress: 2 });
    admitted(l.admit('10.0.0.1'));
    admitted(l.admit('10.0.0.1'));
    expect(l.admit('10.0.0.1')).toBe('handshakes_per_address');
    admitted(l.admit('10.0.0.9'));
    expect(l.refused).toEqual({ connections: 0, connections_per_address: 0, handshakes: 0, handshakes_per_address: 1 });
  });

  it('with every cap at 0 admits anything', () => {
    const l = new ConnectionLimits(none);
    for (let i = 0; i < 1000; i++) admitted(l.admit('10.0.0.1'));
    expect(l.counts.open).toBe(1000);
  });

  it('normalizes addresses', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(normalizeAddress(undefined)).toBe('unknown');
  });
});
