/** Settings of the flow rule service (src/flows), with their defaults; the lead folds them into config.ts. */

/** What reconciliation does with a flow on a switch that nobody here wants. */
export type ForeignFlowPolicy = 'keep' | 'delete';

/** What reconciliation does with a reactive flow (one with a timeout) of ours that we no longer track. */
export type StaleReactivePolicy = 'adopt' | 'delete';

/** Flow rule service settings. */
export interface FlowsConfig {
  /** Reconcile every switch this often; 0 turns periodic reconciliation off (reconnects still reconcile). */
  readonly reconcileIntervalMs: number;
  /** Reconcile a switch as soon as it connects, before any desired flow is sent to it. */
  readonly reconcileOnConnect: boolean;
  /**
   * Flows whose cookie belongs to no owner of this service (another controller, an operator's
   * `ovs-ofctl add-flow` with its own cookie): left alone (`keep`) unless set to `delete`.
   */
  readonly foreignFlows: ForeignFlowPolicy;
  /**
   * A flow in our cookie space with an idle or hard timeout that we do not track (typically
   * learned flows that survived a controller restart): `adopt` tracks it as installed until it
   * expires, so a restart costs no flow mods; `delete` removes it.
   */
  readonly staleReactiveFlows: StaleReactivePolicy;
  /** Flow mods sent before waiting for their barrier; bounds the bytes queued for one switch. */
  readonly batchSize: number;
  /** Ask the switch for FLOW_REMOVED on every flow we install (OFPFF_SEND_FLOW_REM), so expiries and foreign deletes are seen. */
  readonly sendFlowRemoved: boolean;
  /** A flow removed by someone else (FLOW_REMOVED reason DELETE) that we still want is put back at once. */
  readonly restoreDeleted: boolean;
  /**
   * Owner ids (top 16 cookie bits) this service treats as its own besides the owners that
   * registered a scope, e.g. apps that are configured off but whose old flows should be cleaned.
   */
  readonly extraOwnedIds: readonly number[];
  /** Fixed owner ids by owner name, overriding the id derived from the name (to settle a hash collision). */
  readonly ownerIds: Readonly<Record<string, number>>;
}

/** Defaults of the flow rule service. */
export const defaultFlowsConfig: FlowsConfig = {
  reconcileIntervalMs: 30_000,
  reconcileOnConnect: true,
  foreignFlows: 'keep',
  staleReactiveFlows: 'adopt',
  batchSize: 1000,
  sendFlowRemoved: true,
  restoreDeleted: true,
  extraOwnedIds: [],
  ownerIds: {},
};
