/** How the console's views set sigma up: the edge paths (vertex count per link) and the warm-up frame at mount. */
import { MultiUndirectedGraph } from 'graphology';
import type Sigma from 'sigma';
import { beforeAll, describe, expect, it } from 'vitest';

// sigma's path definitions read WebGL2's constants when built: outside a browser, the one they use.
beforeAll(() => {
  const g = globalThis as { WebGL2RenderingContext?: unknown };
  g.WebGL2RenderingContext ??= { FLOAT: 0x1406, UNSIGNED_BYTE: 0x1401 };
});

describe('sigma setup for the topology', () => {
  it('draws links straight and self-loops with few segments (sigma gives every edge the costliest path’s vertices)', async () => {
    const { LOOP_SEGMENTS, topologyPrimitives } = await import('../../web/src/sigma-primitives.js');
    const paths = topologyPrimitives().edges.paths;
    expect(paths.map((p) => p.name)).toEqual(['straight', 'loop']);
    expect(paths[0]!.segments).toBe(1);
    expect(paths[1]!.segments).toBe(LOOP_SEGMENTS);
    // 2 × (segments + 1) vertices an edge: 14, against 66 with sigma's default 32-segment loop.
    expect(2 * (Math.max(...paths.map((p) => p.segments ?? 1)) + 1)).toBeLessThanOrEqual(14);
  });

  it('warms up with an invisible node pair and link, then leaves the view’s own graph drawn', async () => {
    const { warmUpRenderer } = await import('../../web/src/sigma-primitives.js');
    const given: Parameters<Sigma['setGraph']>[0][] = [];
    const sigma = { setGraph: (g: Parameters<Sigma['setGraph']>[0]) => given.push(g) } as unknown as Sigma;
    const own = new MultiUndirectedGraph();
    warmUpRenderer(sigma, own);
    expect(given).toHaveLength(2);
    const warm = given[0]!;
    expect(warm.order).toBe(2);
    expect(warm.size).toBe(1);
    warm.forEachNode((_n: string, a: Record<string, unknown>) => expect(a.color).toBe('rgba(0,0,0,0)'));
    warm.forEachEdge((_e: string, a: Record<string, unknown>) => expect(a.color).toBe('rgba(0,0,0,0)'));
    expect(given[1]).toBe(own);
  });
});
