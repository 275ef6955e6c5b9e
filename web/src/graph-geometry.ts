/**
 * The geometry of the console's canvas renderer (GraphCanvas), pure: fitting a graph to the
 * canvas, graph ↔ screen coordinates (graph y up, screen y down), zooming about a point, the drawn
 * size of nodes and edges at a zoom, and the distance used to pick an edge.
 */

/** The graph point at the canvas centre and the zoom, in CSS pixels per graph unit. */
export interface Camera {
  readonly cx: number;
  readonly cy: number;
  readonly scale: number;
}

export interface Bounds {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** The camera that shows `b` whole in a `width` × `height` canvas with `padding` around it. */
export function fitCamera(b: Bounds, width: number, height: number, padding: number): Camera {
  const w = Math.max(1, width - 2 * padding);
  const h = Math.max(1, height - 2 * padding);
  const spanX = b.maxX - b.minX;
  const spanY = b.maxY - b.minY;
  const scale = spanX <= 0 && spanY <= 0 ? 1 : Math.min(spanX > 0 ? w / spanX : Infinity, spanY > 0 ? h / spanY : Infinity);
  return { cx: (b.minX + b.maxX) / 2, cy: (b.minY + b.maxY) / 2, scale };
}

/** A graph point on the canvas (CSS pixels; graph y points up, canvas y down). */
export function toScreen(cam: Camera, width: number, height: number, x: number, y: number): { x: number; y: number } {
  return { x: width / 2 + (x - cam.cx) * cam.scale, y: height / 2 - (y - cam.cy) * cam.scale };
}

/** The graph point under a canvas point. */
export function toGraph(cam: Camera, width: number, height: number, sx: number, sy: number): { x: number; y: number } {
  return { x: cam.cx + (sx - width / 2) / cam.scale, y: cam.cy - (sy - height / 2) / cam.scale };
}

/** The camera zoomed by `factor` keeping the graph point under (sx, sy) where it is. */
export function zoomAt(cam: Camera, width: number, height: number, sx: number, sy: number, factor: number): Camera {
  const p = toGraph(cam, width, height, sx, sy);
  const scale = cam.scale * factor;
  return { scale, cx: p.x - (sx - width / 2) / scale, cy: p.y + (sy - height / 2) / scale };
}

/**
 * A node's drawn radius in pixels: its size at this zoom, but never under a quarter of its size (a
 * fitted large network stays visible) nor over twice it (a small network fitted large, or a deep
 * zoom, keeps nodes a readable size rather than filling the view).
 */
export function radiusPx(size: number, scale: number): number {
  return Math.min(Math.max(size * scale, size * 0.25), size * 2);
}

/** Whether a node of `size` shows its label at `scale`: once it would be drawn this many pixels in radius, uncapped. */
export function labelShown(size: number, scale: number, minRadiusPx: number): boolean {
  return size * scale >= minRadiusPx;
}

/** An edge's drawn width in pixels. */
export function widthPx(size: number, scale: number): number {
  return Math.min(Math.max(size * scale, 0.5), size * 1.5);
}

/** Distance from point p to the segment a–b. */
export function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}


/** The index (of `count` items) nearest by `distance` among those within their own `reach`, or undefined if none is. */
export function nearestWithin(count: number, distance: (i: number) => number, reach: (i: number) => number): number | undefined {
  let best: number | undefined;
  let bestDistance = Infinity;
  for (let i = 0; i < count; i++) {
    const d = distance(i);
    if (d <= reach(i) && d < bestDistance) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}
