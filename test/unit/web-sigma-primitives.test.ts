/**
 * How the console's views set sigma up: the edge paths (vertex count per link), the warm-up frame
 * at mount, labels given to sigma once a zoom can show them, and link events from the first pointer.
 */
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

  it('gives sigma no labels until the largest node is drawn wide enough to show one, then asks once for a refresh', async () => {
    const { LABEL_RENDERED_SIZE_THRESHOLD, LazyLabels } = await import('../../web/src/sigma-primitives.js');
    const labels = new LazyLabels();
    const node = { x: 1, y: 2, size: 6, color: '#2563eb', label: '00000000000000a1' };
    expect(labels.enabled).toBe(false);
    expect(labels.reduce(node)).toEqual({ ...node, label: null });
    // The node's own data is not changed (sigma hands the reducer the graph's attributes).
    expect(node.label).toBe('00000000000000a1');
    // A 1,000-switch grid fitted to the view draws its nodes under a pixel: no label can show.
    expect(labels.afterRender(0.4)).toBe(false);
    expect(labels.afterRender(LABEL_RENDERED_SIZE_THRESHOLD - 0.01)).toBe(false);
    expect(labels.afterRender(Number.NaN)).toBe(false);
    expect(labels.reduce(node).label).toBeNull();
    // Zoomed in far enough: labels on, one refresh, and they stay on.
    expect(labels.afterRender(LABEL_RENDERED_SIZE_THRESHOLD)).toBe(true);
    expect(labels.enabled).toBe(true);
    expect(labels.reduce(node)).toBe(node);
    expect(labels.afterRender(40)).toBe(false);
    expect(labels.afterRender(0.4)).toBe(false);
    expect(labels.reduce(node)).toBe(node);
    expect(labels.enable()).toBe(false);
  });

  it('turns labels on at any zoom when asked (a hovered node shows its label), once', async () => {
    const { LazyLabels } = await import('../../web/src/sigma-primitives.js');
    const labels = new LazyLabels();
    const node = { size: 5, label: '10 hosts' };
    expect(labels.reduce(node).label).toBeNull();
    expect(labels.enable()).toBe(true);
    expect(labels.reduce(node)).toBe(node);
    expect(labels.enable()).toBe(false);
    expect(labels.afterRender(100)).toBe(false);
  });

  it('turns link events on at the first pointer over the graph, once, and stops watching', async () => {
    const { edgeEventsOnPointer } = await import('../../web/src/sigma-primitives.js');
    const calls: [string, boolean][] = [];
    const sigma = { setSetting: (k: 'enableEdgeEvents', v: boolean) => calls.push([k, v]) };
    const container = new EventTarget();
    edgeEventsOnPointer(sigma, container);
    expect(calls).toEqual([]);
    container.dispatchEvent(new Event('pointermove'));
    container.dispatchEvent(new Event('pointerenter'));
    container.dispatchEvent(new Event('pointermove'));
    expect(calls).toEqual([['enableEdgeEvents', true]]);
    // Stopped before any pointer: never turned on.
    const other: [string, boolean][] = [];
    const stop = edgeEventsOnPointer({ setSetting: (k: 'enableEdgeEvents', v: boolean) => other.push([k, v]) }, container);
    stop();
    container.dispatchEvent(new Event('pointerenter'));
    expect(other).toEqual([]);
  });
});
