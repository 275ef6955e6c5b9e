/**
 * Where the topology view puts switches and hosts: a breadth-first layered layout for the first
 * draw (roots at the top, one row per hop), and a stable spot for anything that appears later
 * (beside its neighbours) so nothing already drawn moves.
 */

export interface Point {
  x: number;
  y: number;
}

/** Distance between rows (hops) and between switches in a row, in graph units. */
export const ROW_GAP = 100;
export const COLUMN_GAP = 70;
/** Hosts sit on an arc this far below their switch. */
export const HOST_RADIUS = 45;

/**
 * Lays out every switch: each connected component is walked breadth first from its lowest
 * dpid (neighbours in dpid order), each hop a row, rows centred; components side by side.
 */
export function layeredLayout(nodes: readonly string[], neighbours: (n: string) => readonly string[]): Map<string, Point> {
  const out = new Map<string, Point>();
  const sorted = [...nodes].sort();
  let left = 0;
  for (const root of sorted) {
    if (out.has(root)) continue;
    const rows: string[][] = [];
    const seen = new Set([root]);
    let row = [root];
    while (row.length > 0) {
      rows.push(row);
      const next: string[] = [];
      for (const n of row) {
        for (const m of [...neighbours(n)].sort()) {
          if (seen.has(m)) continue;
          seen.add(m);
          next.push(m);
        }
      }
      row = next;
    }
    const width = Math.max(...rows.map((r) => r.length));
    rows.forEach((r, level) => {
      const offset = ((width - r.length) * COLUMN_GAP) / 2;
      r.forEach((n, i) => out.set(n, { x: left + offset + i * COLUMN_GAP, y: -(level * ROW_GAP) || 0 }));
    });
    left += width * COLUMN_GAP + COLUMN_GAP;
  }
  return out;
}

/**
 * A spot for a node that appears after the first draw: below the middle of its placed
 * neighbours (nudged by a hash of its id so two newcomers do not overlap), or, with none, to the
 * right of everything drawn.
 */
export function placeNew(id: string, placedNeighbours: readonly Point[], all: Iterable<Point>): Point {
  const h = hash(id);
  if (placedNeighbours.length > 0) {
    const x = placedNeighbours.reduce((s, p) => s + p.x, 0) / placedNeighbours.length;
    const y = placedNeighbours.reduce((s, p) => s + p.y, 0) / placedNeighbours.length;
    return { x: x + ((h % 7) - 3) * 12, y: y - ROW_GAP / 2 - (h % 5) * 6 };
  }
  let maxX = -Infinity;
  let minY = Infinity;
  let any = false;
  for (const p of all) {
    any = true;
    if (p.x > maxX) maxX = p.x;
    if (p.y < minY) minY = p.y;
  }
  return any ? { x: maxX + COLUMN_GAP, y: 0 - (h % 3) * (ROW_GAP / 3) } : { x: 0, y: 0 };
}

/** The spot of a switch's `slot`-th host: on an arc below it, outward as slots grow. */
export function hostSpot(sw: Point, slot: number): Point {
  const ring = Math.floor(slot / 7);
  // Fill from the middle of the arc outwards.
  const i = [3, 2, 4, 1, 5, 0, 6][slot % 7]!;
  const angle = -Math.PI / 2 + (i - 3) * 0.38;
  const r = HOST_RADIUS + ring * 18;
  return { x: sw.x + r * Math.cos(angle), y: sw.y + r * Math.sin(angle) };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
