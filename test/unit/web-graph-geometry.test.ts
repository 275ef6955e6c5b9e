/**
 * The console's canvas renderer's geometry: fitting a graph to the canvas, graph ↔ screen
 * coordinates (graph y up), zooming about the pointer, sizes at a zoom and edge picking distance.
 */
import { describe, expect, it } from 'vitest';
import { fitCamera, labelShown, nearestWithin, radiusPx, segmentDistance, toGraph, toScreen, widthPx, zoomAt } from '../../web/src/graph-geometry.js';

describe('graph canvas geometry', () => {
  it('fits the bounds inside the padding, centred, keeping the aspect ratio', () => {
    const cam = fitCamera({ minX: 0, minY: -600, maxX: 200, maxY: 0 }, 800, 700, 50);
    // Height limits: 600 graph units into 600 px.
    expect(cam).toEqual({ cx: 100, cy: -300, scale: 1 });
    expect(toScreen(cam, 800, 700, 0, 0)).toEqual({ x: 300, y: 50 });
    expect(toScreen(cam, 800, 700, 200, -600)).toEqual({ x: 500, y: 650 });
  });

  it('fits a single node (no extent) at scale 1 and a flat row by its width', () => {
    expect(fitCamera({ minX: 5, minY: 5, maxX: 5, maxY: 5 }, 400, 300, 10)).toEqual({ cx: 5, cy: 5, scale: 1 });
    expect(fitCamera({ minX: 0, minY: 0, maxX: 380, maxY: 0 }, 400, 300, 10).scale).toBe(1);
  });

  it('maps screen back to graph, y pointing up in the graph', () => {
    const cam = { cx: 10, cy: 20, scale: 2 };
    const p = toScreen(cam, 600, 400, 15, 25);
    expect(p).toEqual({ x: 310, y: 190 });
    expect(toGraph(cam, 600, 400, p.x, p.y)).toEqual({ x: 15, y: 25 });
  });

  it('zooms about the pointer: the graph point under it stays under it', () => {
    const cam = { cx: 0, cy: 0, scale: 0.5 };
    const under = toGraph(cam, 800, 600, 100, 450);
    const z = zoomAt(cam, 800, 600, 100, 450, 3);
    expect(z.scale).toBeCloseTo(1.5);
    const after = toScreen(z, 800, 600, under.x, under.y);
    expect(after.x).toBeCloseTo(100);
    expect(after.y).toBeCloseTo(450);
  });

  it('draws nodes at their size times the zoom, between a quarter of and twice their size; edges at least half a pixel, at most 1.5× their size', () => {
    expect(radiusPx(6, 1.5)).toBe(9);
    expect(radiusPx(6, 0.1)).toBe(1.5);
    expect(radiusPx(6, 5)).toBe(12);
    // Labels follow the zoom, not the capped radius: a host (3) shows its label from scale 8/3.
    expect(labelShown(3, 2.6, 8)).toBe(false);
    expect(labelShown(3, 2.7, 8)).toBe(true);
    expect(widthPx(3, 1)).toBe(3);
    expect(widthPx(3, 0.01)).toBe(0.5);
    expect(widthPx(3, 10)).toBe(4.5);
  });

  it('measures the distance to a segment, clamped to its ends', () => {
    expect(segmentDistance(5, 3, 0, 0, 10, 0)).toBe(3);
    expect(segmentDistance(-3, 4, 0, 0, 10, 0)).toBe(5);
    expect(segmentDistance(13, 4, 0, 0, 10, 0)).toBe(5);
    expect(segmentDistance(1, 1, 2, 2, 2, 2)).toBeCloseTo(Math.SQRT2);
  });

  it('picks the nearest item among those within their own reach', () => {
    const dist = [5, 2, 3, 9];
    const reach = [6, 1, 4, 20];
    // 1 is nearest but out of its reach; 2 is the nearest within.
    expect(nearestWithin(4, (i) => dist[i]!, (i) => reach[i]!)).toBe(2);
    expect(nearestWithin(2, () => 10, () => 1)).toBeUndefined();
    expect(nearestWithin(0, () => 0, () => 1)).toBeUndefined();
  });
});
