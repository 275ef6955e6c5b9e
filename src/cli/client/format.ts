/** Plain-text tables for the client commands. */

/** Lays rows out in columns under a header; cells are strings already. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** A match (OXM list) as `field=value[/mask]` pairs. */
export function matchText(match: unknown): string {
  if (!Array.isArray(match) || match.length === 0) return '*';
  return match
    .map((f: { field?: string; value?: unknown; mask?: unknown }) => (f.field === 'raw' ? 'raw' : `${f.field}=${fieldValueText(f.field, f.value)}${f.mask !== undefined ? `/${String(f.mask)}` : ''}`))
    .join(',');
}

/** A match value as it is entered: eth_type in hex (0x0800), as in ovs-ofctl and `--match`. */
function fieldValueText(field: string | undefined, value: unknown): string {
  if (field === 'eth_type' && typeof value === 'number') return `0x${value.toString(16).padStart(4, '0')}`;
  return String(value);
}

const PORT_NAMES: Readonly<Record<number, string>> = {
  0xfffffff8: 'in_port',
  0xfffffff9: 'table',
  0xfffffffa: 'normal',
  0xfffffffb: 'flood',
  0xfffffffc: 'all',
  0xfffffffd: 'controller',
  0xfffffffe: 'local',
  0xffffffff: 'any',
};

/** A port number, by name when reserved. */
export function portText(n: unknown): string {
  return typeof n === 'number' ? (PORT_NAMES[n] ?? String(n)) : String(n);
}

function actionText(a: { type?: string; port?: unknown; groupId?: unknown; field?: { field?: string; value?: unknown }; [k: string]: unknown }): string {
  switch (a.type) {
    case 'output':
      return `output:${portText(a.port)}`;
    case 'group':
      return `group:${String(a.groupId)}`;
    case 'set_field':
      return `set_field:${a.field?.field}=${String(a.field?.value)}`;
    default:
      return String(a.type);
  }
}

/** Instructions as `ovs-ofctl`-like text. */
export function instructionsText(ins: unknown): string {
  if (!Array.isArray(ins) || ins.length === 0) return 'drop';
  return ins
    .map((i: { type?: string; actions?: unknown[]; tableId?: number; meterId?: number }) => {
      switch (i.type) {
        case 'apply_actions':
          return (i.actions ?? []).length === 0 ? 'drop' : (i.actions ?? []).map((a) => actionText(a as never)).join(',');
        case 'write_actions':
          return `write(${(i.actions ?? []).map((a) => actionText(a as never)).join(',')})`;
        case 'goto_table':
          return `goto_table:${i.tableId}`;
        case 'meter':
          return `meter:${i.meterId}`;
        default:
          return String(i.type);
      }
    })
    .join(',');
}
