/**
 * A minimal reactive app for benchmarks: answers every PACKET_IN with a FLOW_MOD (exact
 * in_port/eth_src/eth_dst match, output to another port) and a PACKET_OUT through the Datapath
 * API, the work a learning switch does per new flow. It lives beside the in-process controller
 * that composes it for `signalbox bench --self`; the load generator itself never imports a controller.
 */
import type { Controller } from '../controller.js';
import type { ControllerEvents } from '../core/events.js';
import { formatMac } from '../core/addr.js';

/** Priority of the responder's flows. */
const PRIORITY = 10;

/** Subscribes the responder to `ctrl`'s packet-ins; returns a function that unsubscribes it. */
export function attachResponder(ctrl: Controller): () => void {
  const onPacketIn = ({ dpid, msg }: ControllerEvents['packetIn'][0]): void => {
    const datapath = ctrl.datapaths.get(dpid);
    if (!datapath?.connected || msg.data.length < 14) return;
    const out = msg.inPort === 1 ? 2 : 1;
    const actions = [{ type: 'output' as const, port: out, maxLen: 0 }];
    datapath.flowMod({
      priority: PRIORITY,
      idleTimeout: 60,
      match: [
        { field: 'in_port', value: msg.inPort },
        { field: 'eth_dst', value: formatMac(msg.data, 0) },
        { field: 'eth_src', value: formatMac(msg.data, 6) },
      ],
      actions,
    });
    datapath.packetOut(
      msg.bufferId === 0xffffffff
        ? { inPort: msg.inPort, actions, data: msg.data }
        : { inPort: msg.inPort, bufferId: msg.bufferId, actions },
    );
  };
  ctrl.bus.on('packetIn', onPacketIn);
  return () => ctrl.bus.off('packetIn', onPacketIn);
}
