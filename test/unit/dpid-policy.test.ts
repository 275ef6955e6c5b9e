import { describe, expect, it } from 'vitest';
import { addressRangeError, DpidPolicy } from '../../src/openflow/dpid-policy.js';
import { defaultConfig } from '../../src/config.js';
import { loadConfig } from '../../src/config-file.js';

describe('openflow.dpidPolicy', () => {
  const policy = new DpidPolicy([
    { dpid: '00000000000000a1', addresses: ['10.0.0.5', '10.0.1.0/24'] },
    { dpid: 'a2', addresses: ['fd00::/64'] },
    { dpid: '00000000000000b1', subjects: ['switch-b1'] },
    { dpid: '00000000000000c1', addresses: ['192.168.0.0/16'], subjects: ['switch-c1', 'switch-c1-spare'] },
  ]);

  it('admits a pinned dpid from its addresses and CIDRs (IPv4-mapped IPv6 too), refuses it from elsewhere', () => {
    expect(policy.check(0xa1n, { address: '10.0.0.5' })).toEqual({ ok: true });
    expect(policy.check(0xa1n, { address: '10.0.1.77' })).toEqual({ ok: true });
    expect(policy.check(0xa1n, { address: '::ffff:10.0.1.77' })).toEqual({ ok: true });
    const v = policy.check(0xa1n, { address: '10.0.0.6' });
    expect(v).toMatchObject({ ok: false, reason: 'address' });
    expect(!v.ok && v.message).toMatch(/00000000000000a1 is pinned to 10\.0\.0\.5, 10\.0\.1\.0\/24 .*claimed from 10\.0\.0\.6/);
    expect(policy.check(0xa2n, { address: 'fd00::1' })).toEqual({ ok: true });
    expect(policy.check(0xa2n, { address: 'fd01::1' })).toMatchObject({ ok: false, reason: 'address' });
    expect(policy.check(0xa2n, { address: '10.0.0.5' })).toMatchObject({ ok: false, reason: 'address' });
  });

  it('leaves dpids that are not pinned alone', () => {
    expect(policy.check(0x99n, { address: '203.0.113.9' })).toEqual({ ok: true });
  });

  it("binds a dpid to its certificate subjects: no certificate or another subject is refused", () => {
    expect(policy.check(0xb1n, { address: '203.0.113.9', subject: 'switch-b1' })).toEqual({ ok: true });
    expect(policy.check(0xb1n, { address: '203.0.113.9' })).toMatchObject({ ok: false, reason: 'certificate' });
    expect(policy.check(0xb1n, { address: '203.0.113.9', subject: 'switch-x' })).toMatchObject({ ok: false, reason: 'certificate' });
    // Both rules apply when both are given.
    expect(policy.check(0xc1n, { address: '192.168.3.4', subject: 'switch-c1-spare' })).toEqual({ ok: true });
    expect(policy.check(0xc1n, { address: '10.9.9.9', subject: 'switch-c1' })).toMatchObject({ ok: false, reason: 'address' });
  });

  it('a certificate bound to one dpid cannot claim another, pinned or not', () => {
    const v = policy.check(0x99n, { address: '10.0.0.1', subject: 'switch-b1' });
    expect(v).toMatchObject({ ok: false, reason: 'certificate' });
    expect(!v.ok && v.message).toMatch(/"switch-b1" is bound to 00000000000000b1, not to 0000000000000099/);
    expect(policy.check(0x99n, { address: '10.0.0.1', subject: 'unlisted' })).toEqual({ ok: true });
  });

  it('checks addresses and CIDRs', () => {
    expect(addressRangeError('10.0.0.0/24')).toBeUndefined();
    expect(addressRangeError('fd00::/64')).toBeUndefined();
    expect(addressRangeError('10.0.0.0/33')).toMatch(/prefix length/);
    expect(addressRangeError('switch.example')).toMatch(/expected an IP address or CIDR/);
    expect(() => new DpidPolicy([{ dpid: 'zz' }])).toThrow();
  });
});

describe('openflow.tls.requireBinding', () => {
  const entries = [{ dpid: '00000000000000b1', subjects: ['switch-b1'] }];
  const strict = new DpidPolicy(entries, { requireTlsBinding: true });

  it('refuses a TLS switch whose certificate subject is bound to no dpid, or that has no verified certificate', () => {
    const v = strict.check(0x99n, { address: '10.0.0.1', subject: 'switch-x', tls: true });
    expect(v).toMatchObject({ ok: false, reason: 'certificate' });
    expect(!v.ok && v.message).toMatch(/"switch-x" is bound to no datapath id .*openflow\.tls\.requireBinding.*0000000000000099/);
    const none = strict.check(0x99n, { address: '10.0.0.1', tls: true });
    expect(none).toMatchObject({ ok: false, reason: 'certificate' });
    expect(!none.ok && none.message).toMatch(/no verified certificate/);
  });

  it('still refuses a bound subject claiming another dpid, and admits it with its own', () => {
    expect(strict.check(0xb1n, { address: '10.0.0.1', subject: 'switch-b1', tls: true })).toEqual({ ok: true });
    expect(strict.check(0xc1n, { address: '10.0.0.1', subject: 'switch-b1', tls: true })).toMatchObject({ ok: false, reason: 'certificate' });
  });

  it('leaves plain TCP switches to the rest of the policy, and is off by default', () => {
    expect(strict.check(0x99n, { address: '10.0.0.1' })).toEqual({ ok: true });
    expect(new DpidPolicy(entries).check(0x99n, { address: '10.0.0.1', subject: 'switch-x', tls: true })).toEqual({ ok: true });
  });

  it('needs verifyPeer (the config names the key)', () => {
    expect(() => loadConfig({ env: { SIGNALBOX_OPENFLOW_TLS_REQUIRE_BINDING: 'true' } })).toThrow(/openflow\.tls\.requireBinding.*verifyPeer/);
    const c = loadConfig({ env: { SIGNALBOX_OPENFLOW_TLS_REQUIRE_BINDING: 'true', SIGNALBOX_OPENFLOW_TLS_VERIFY_PEER: 'true', SIGNALBOX_OPENFLOW_TLS_CA: '/ca.pem' } });
    expect(c.openflow.tls.requireBinding).toBe(true);
    expect(defaultConfig.openflow.tls.requireBinding).toBe(false);
  });
});
