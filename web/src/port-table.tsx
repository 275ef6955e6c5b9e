/**
 * A switch's port table, drawn once for the switch view (with MAC, live rates and a selectable row
 * for the chart) and the topology view's switch card (the short form): each physical port's
 * number, name, state and speed, and for an admin a button that disables or enables it. Rows carry
 * `data-port`; the rate cells `data-rx-bps` / `data-tx-bps`.
 */
import type { PortJson } from './api.js';
import { bpsText } from './switch-model.js';

/** Reserved ports (OFPP_LOCAL and above) are not listed. */
const MAX_PHYSICAL_PORT = 0xffffff00;

/** The physical ports of a switch's port list (reserved ones left out). */
export function physicalPorts(list: readonly PortJson[]): PortJson[] {
  return list.filter((p) => p.portNo < MAX_PHYSICAL_PORT);
}

export interface PortTableProps {
  readonly ports: readonly PortJson[];
  /** Offers the disable/enable button (admin tokens only). */
  readonly admin: boolean;
  /** The port whose button waits for an answer (disabled meanwhile). */
  readonly busy: number | undefined;
  readonly onToggle: (p: PortJson) => void;
  /** The full form: MAC and rx/tx columns from this (bits/s per port, undefined while unknown). */
  readonly rates?: (portNo: number) => { readonly rxBps?: number; readonly txBps?: number } | undefined;
  /** The selected row (the full form), and what a click on a row does. */
  readonly selected?: number;
  readonly onSelect?: (portNo: number) => void;
  /** More classes for the table (`grid` in the switch view). */
  readonly class?: string;
}

export function PortTable(props: PortTableProps) {
  const { rates, selected, onSelect } = props;
  const full = rates !== undefined;
  return (
    <table class={props.class ? `${props.class} ports` : 'ports'}>
      <thead>
        <tr>
          <th>Port</th>
          <th>Name</th>
          {full && <th>MAC</th>}
          <th>State</th>
          <th>Speed</th>
          {full && <th>Rx</th>}
          {full && <th>Tx</th>}
          {props.admin && <th />}
        </tr>
      </thead>
      <tbody>
        {physicalPorts(props.ports).map((p) => {
          const r = rates?.(p.portNo);
          return (
            <tr key={p.portNo} data-port={p.portNo} class={p.portNo === selected ? 'selected' : ''} onClick={onSelect && (() => onSelect(p.portNo))}>
              <td>{p.portNo}</td>
              <td>{p.name}</td>
              {full && <td class="mono">{p.hwAddr}</td>}
              <td class={p.up ? 'state-up' : 'state-down'}>{p.up ? 'up' : 'down'}</td>
              {/* currSpeed is in kb/s (ofp_port.curr_speed). */}
              <td>{p.currSpeed ? bpsText(p.currSpeed * 1000) : ''}</td>
              {full && <td data-rx-bps={r?.rxBps}>{bpsText(r?.rxBps)}</td>}
              {full && <td data-tx-bps={r?.txBps}>{bpsText(r?.txBps)}</td>}
              {props.admin && (
                <td>
                  <button
                    type="button"
                    data-write="port"
                    disabled={props.busy === p.portNo}
                    onClick={(e) => {
                      // Not a row selection too.
                      e.stopPropagation();
                      props.onToggle(p);
                    }}
                  >
                    {p.up ? 'Disable' : 'Enable'}
                  </button>
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
