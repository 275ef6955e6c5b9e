/**
 * What an emulated switch says about itself in the handshake (its ports and its FEATURES_REPLY),
 * written once for the load generator's switch and the emulated switch of the tests and benches.
 */
import type { OfMessage } from '../openflow/codec/index.js';
import type { Port } from '../openflow/codec/v13/structs.js';

/** A port as a 1.3 ofp_port for port number `n`. */
export function emulatedPort(n: number): Port {
  return {
    portNo: n,
    // The port number in the low 32 bits (02:00:00:00:00:nn below 256): a 4,096-port switch too.
    hwAddr: `02:00:${((n >>> 0).toString(16).padStart(8, '0').match(/../g) ?? []).join(':')}`,
    name: `eth${n}`,
    config: 0,
    state: 0,
    curr: 0x800,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 1_000_000,
    maxSpeed: 1_000_000,
  };
}

/**
 * The FEATURES_REPLY answering `xid`: in 1.0 it lists the ports (as 1.0 ofp_phy_port, no
 * features advertised); in 1.3 the ports come later, in the PORT_DESC reply.
 */
export function featuresReply(version: number, xid: number, datapathId: bigint, ports: readonly Port[]): OfMessage {
  if (version === 1) {
    return {
      version: 1,
      type: 'features_reply',
      xid,
      datapathId,
      nBuffers: 256,
      nTables: 1,
      capabilities: 0xc7,
      actions: 0xfff,
      ports: ports.map((p) => ({ portNo: p.portNo, hwAddr: p.hwAddr, name: p.name, config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0 })),
    };
  }
  return { version: 4, type: 'features_reply', xid, datapathId, nBuffers: 256, nTables: 254, auxiliaryId: 0, capabilities: 0x4f, reserved: 0 };
}
