/**
 * `Datapath.flowModTo` for a fake datapath, made from the fake's `flowModConfirmed`: the same
 * outcome, delivered to the Settle instead of a Promise (as the real one does, without the Promise).
 */
import type { FlowSpec } from '../../src/core/model.js';
import type { Datapath } from '../../src/openflow/datapath.js';

export function flowModToVia(flowModConfirmed: (spec: FlowSpec, lazy?: boolean, bufferId?: number) => Promise<void>): Datapath['flowModTo'] {
  return (spec, settle, lazy, bufferId) => {
    flowModConfirmed(spec, lazy, bufferId).then(
      () => settle.resolve(),
      (e: Error) => settle.reject(e),
    );
  };
}
