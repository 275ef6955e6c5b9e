/**
 * A graphology graph drawn on a 2D canvas, with pan, zoom, hover and click: the renderer of the
 * topology and paths views. A 2D canvas needs no WebGL context, shader compilation or GPU
 * pipeline, which on a machine without a GPU (software GL, as in CI and many VMs and jump hosts)
 * cost more than a whole 1,000-switch frame; the frame itself is a few batched paths (one per
 * colour and width). Nodes read `x`, `y` (graph units, y up), `size` (radius in graph units),
 * `color`, `label` and `hidden`; edges `size` (width), `color` and `hidden`. The graph's changes
 * redraw on the next animation frame, many changes in one frame once.
 */
import type Graph from 'graphology';
import { type Bounds, type Camera, fitCamera, labelShown, nearestWithin, radiusPx, segmentDistance, widthPx, zoomAt } from './graph-geometry.js';

/** A node as drawn, after the view's reducer. */
export interface NodeDisplay {
  x: number;
  y: number;
  size: number;
  color: string;
  label?: string | null;
  hidden?: boolean;
}

/** An edge as drawn, after the view's reducer. */
export interface EdgeDisplay {
  size: number;
  color: string;
  hidden?: boolean;
}

export interface GraphCanvasOptions {
  /** The node as it should be drawn (a copy with changes; the graph is not modified). */
  readonly nodeReducer?: (node: string, data: NodeDisplay) => NodeDisplay;
  readonly edgeReducer?: (edge: string, data: EdgeDisplay) => EdgeDisplay;
  /** Space kept around the graph when it is fitted to the canvas, in CSS pixels. */
  readonly paddingPx?: number;
}

/** A label shows once its node would be drawn at least this many pixels in radius (a hovered node's always). */
export const LABEL_MIN_RADIUS_PX = 8;
/** Zoom limits relative to the fitted view. */
const MIN_ZOOM = 0.25;
const MAX_ZOOM = 64;
/** A press that moves less than this is a click, not a drag. */
const CLICK_SLOP_PX = 4;
/** How near (pixels) a pointer must be to an edge to pick it. */
const EDGE_PICK_PX = 4;
/** Labels drawn in one frame at most: a dense zoom stays a fast frame. */
const MAX_LABELS = 800;

/** What the view listens to. */
export interface GraphCanvasEvents {
  clickNode: (node: string) => void;
  clickEdge: (edge: string) => void;
  clickStage: () => void;
  doubleClickNode: (node: string) => void;
  enterNode: (node: string) => void;
  leaveNode: (node: string) => void;
}

type Listeners = { [K in keyof GraphCanvasEvents]: GraphCanvasEvents[K][] };

interface Point {
  readonly x: number;
  readonly y: number;
}

/** The drawn items of the last refresh, in arrays (a frame reads these, not the graph). */
interface Scene {
  readonly nodeIds: string[];
  readonly nodeIndex: Map<string, number>;
  readonly nx: Float64Array;
  readonly ny: Float64Array;
  readonly nsize: Float64Array;
  readonly ncolor: string[];
  readonly nlabel: (string | null)[];
  readonly edgeIds: string[];
  readonly es: Int32Array;
  readonly et: Int32Array;
  readonly esize: Float64Array;
  readonly ecolor: string[];
  readonly bounds: Bounds | undefined;
}

const GRAPH_EVENTS = ['nodeAdded', 'nodeDropped', 'edgeAdded', 'edgeDropped', 'nodeAttributesUpdated', 'edgeAttributesUpdated', 'cleared', 'edgesCleared'] as const;

export class GraphCanvas {
  private graph: Graph;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly listeners: Listeners = { clickNode: [], clickEdge: [], clickStage: [], doubleClickNode: [], enterNode: [], leaveNode: [] };
  private readonly padding: number;
  private readonly resizeObserver: ResizeObserver;
  private readonly labelColor: string;
  private scene: Scene | undefined;
  private camera: Camera | undefined;
  /** The fitted camera's scale: zoom limits are relative to it. */
  private fittedScale = 1;
  private width = 0;
  private height = 0;
  private frame = 0;
  private sceneStale = true;
  private hovered: string | undefined;
  /** A node to centre on once the first frame can be drawn (focus before then). */
  private pendingFocus: string | undefined;
  private press: { x: number; y: number; cam: Camera; dragging: boolean; id: number } | undefined;
  /** Pointers down on the canvas (two make a pinch). */
  private readonly pointers = new Map<number, Point>();
  private pinch: { distance: number; cam: Camera; mid: Point } | undefined;
  private animation: { from: Camera; to: Camera; startMs: number | undefined; durationMs: number } | undefined;
  private readonly onGraphChange = (): void => this.refresh();
  private readonly detach: (() => void)[] = [];
  private killed = false;

  constructor(
    graph: Graph,
    private readonly container: HTMLElement,
    private readonly options: GraphCanvasOptions = {},
  ) {
    this.graph = graph;
    this.padding = options.paddingPx ?? 60;
    this.canvas = document.createElement('canvas');
    this.canvas.style.cssText = 'position:absolute;inset:0;width:100%;height:100%;display:block;touch-action:none';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'network graph: drag or arrow keys to pan, wheel, pinch or + and - to zoom, 0 to fit');
    this.canvas.tabIndex = 0;
    container.appendChild(this.canvas);
    // A CPU-backed canvas: a GPU-backed one starts by setting up GPU raster (a software GL context
    // where there is no GPU, about 0.2 s in front of the first frame), and a frame of a few
    // thousand lines and dots is cheap on the CPU anyway.
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    this.labelColor = getComputedStyle(container).color || '#0f172a';
    this.watch(graph);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.listen();
    this.resize();
  }

  /** Calls `fn` on `type` (see GraphCanvasEvents). */
  on<K extends keyof GraphCanvasEvents>(type: K, fn: GraphCanvasEvents[K]): void {
    this.listeners[type].push(fn);
  }

  /** Draws another graph (the camera stays, or fits if it never has). */
  setGraph(graph: Graph): void {
    this.unwatch();
    this.graph = graph;
    this.watch(graph);
    this.refresh();
  }

  /** Re-reads the graph and the reducers on the next frame (the graph's own changes do this already). */
  refresh(): void {
    this.sceneStale = true;
    this.schedule();
  }

  /** Fits the whole graph in the canvas on the next frame. */
  fit(): void {
    this.camera = undefined;
    this.animation = undefined;
    this.refresh();
  }

  /** The node as drawn now (after the reducer), or undefined if the graph has no such node. */
  nodeDisplay(node: string): NodeDisplay | undefined {
    if (!this.graph.hasNode(node)) return undefined;
    return this.reduceNode(node, this.graph.getNodeAttributes(node));
  }

  /** Moves the view to centre `node`, zoomed in far enough to show labels, over `durationMs`. */
  focus(node: string, durationMs = 300): void {
    const d = this.nodeDisplay(node);
    if (!d) return;
    // Not drawn yet (no size or no fit so far): the first frame starts there.
    if (!this.camera) {
      this.pendingFocus = node;
      return this.schedule();
    }
    this.animation = { from: this.camera, to: this.cameraOn(d, this.camera.scale), startMs: undefined, durationMs };
    this.schedule();
  }

  /** A camera centred on `d`, zoomed in from `scale` far enough to show labels. */
  private cameraOn(d: NodeDisplay, scale: number): Camera {
    return { cx: d.x, cy: d.y, scale: Math.min(Math.max(scale, LABEL_MIN_RADIUS_PX / Math.max(d.size, 1)), this.fittedScale * MAX_ZOOM) };
  }

  /** Stops drawing and listening, and removes the canvas. */
  kill(): void {
    this.killed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.unwatch();
    this.resizeObserver.disconnect();
    for (const d of this.detach) d();
    this.canvas.remove();
  }

  private watch(graph: Graph): void {
    for (const e of GRAPH_EVENTS) graph.on(e, this.onGraphChange);
  }

  private unwatch(): void {
    for (const e of GRAPH_EVENTS) this.graph.off(e, this.onGraphChange);
  }

  private resize(): void {
    const w = this.container.clientWidth;
    const h = this.container.clientHeight;
    if (w === this.width && h === this.height) return;
    // Keep the centre; a canvas that had no size fits on its first frame with one.
    this.width = w;
    this.height = h;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.schedule();
  }

  private schedule(): void {
    if (this.frame || this.killed) return;
    this.frame = requestAnimationFrame((t) => {
      this.frame = 0;
      this.draw(t);
    });
  }

  private reduceNode(node: string, a: Record<string, unknown>): NodeDisplay {
    const d: NodeDisplay = { x: Number(a.x ?? 0), y: Number(a.y ?? 0), size: Number(a.size ?? 4), color: String(a.color ?? '#666'), label: (a.label as string | null | undefined) ?? null, hidden: a.hidden === true };
    return this.options.nodeReducer ? this.options.nodeReducer(node, d) : d;
  }

  private buildScene(): Scene {
    const g = this.graph;
    const n = g.order;
    const nodeIds: string[] = [];
    const nodeIndex = new Map<string, number>();
    const nx = new Float64Array(n);
    const ny = new Float64Array(n);
    const nsize = new Float64Array(n);
    const ncolor: string[] = [];
    const nlabel: (string | null)[] = [];
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    g.forEachNode((id, a) => {
      const d = this.reduceNode(id, a);
      if (d.hidden) return;
      const i = nodeIds.length;
      nodeIds.push(id);
      nodeIndex.set(id, i);
      nx[i] = d.x;
      ny[i] = d.y;
      nsize[i] = d.size;
      ncolor.push(d.color);
      nlabel.push(d.label ?? null);
      if (d.x < minX) minX = d.x;
      if (d.x > maxX) maxX = d.x;
      if (d.y < minY) minY = d.y;
      if (d.y > maxY) maxY = d.y;
    });
    const m = g.size;
    const edgeIds: string[] = [];
    const es = new Int32Array(m);
    const et = new Int32Array(m);
    const esize = new Float64Array(m);
    const ecolor: string[] = [];
    const reduce = this.options.edgeReducer;
    g.forEachEdge((id, a, source, target) => {
      const s = nodeIndex.get(source);
      const t = nodeIndex.get(target);
      if (s === undefined || t === undefined) return;
      const base: EdgeDisplay = { size: Number(a.size ?? 1), color: String(a.color ?? '#999'), hidden: a.hidden === true };
      const d = reduce ? reduce(id, base) : base;
      if (d.hidden) return;
      const i = edgeIds.length;
      edgeIds.push(id);
      es[i] = s;
      et[i] = t;
      esize[i] = d.size;
      ecolor.push(d.color);
    });
    const bounds = nodeIds.length > 0 ? { minX, minY, maxX, maxY } : undefined;
    return { nodeIds, nodeIndex, nx, ny, nsize, ncolor, nlabel, edgeIds, es, et, esize, ecolor, bounds };
  }

  private draw(nowMs: number): void {
    if (this.sceneStale || !this.scene) {
      this.scene = this.buildScene();
      this.sceneStale = false;
    }
    const s = this.scene;
    const { width: w, height: h } = this;
    if (w === 0 || h === 0) return;
    if (!this.camera && s.bounds) {
      this.camera = fitCamera(s.bounds, w, h, this.padding);
      this.fittedScale = this.camera.scale;
      const focus = this.pendingFocus !== undefined ? this.nodeDisplay(this.pendingFocus) : undefined;
      if (focus) this.camera = this.cameraOn(focus, this.camera.scale);
      this.pendingFocus = undefined;
    }
    if (this.animation) {
      const a = this.animation;
      a.startMs ??= nowMs;
      const t = Math.min(1, (nowMs - a.startMs) / Math.max(1, a.durationMs));
      const e = t * (2 - t);
      this.camera = { cx: a.from.cx + (a.to.cx - a.from.cx) * e, cy: a.from.cy + (a.to.cy - a.from.cy) * e, scale: a.from.scale + (a.to.scale - a.from.scale) * e };
      if (t < 1) this.schedule();
      else this.animation = undefined;
    }
    const cam = this.camera;
    // Nothing drawn yet and nothing to draw (the topology is on its way): leave the canvas
    // untouched, its first use sets up its backing store.
    if (!cam && !this.drawn) return;
    const ctx = this.ctx;
    const dpr = this.canvas.width / w;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (!cam) return;
    const sx = new Float64Array(s.nodeIds.length);
    const sy = new Float64Array(s.nodeIds.length);
    for (let i = 0; i < s.nodeIds.length; i++) {
      sx[i] = w / 2 + (s.nx[i]! - cam.cx) * cam.scale;
      sy[i] = h / 2 - (s.ny[i]! - cam.cy) * cam.scale;
    }
    this.drawEdges(s, sx, sy, cam.scale);
    this.drawNodes(s, sx, sy, cam.scale);
    this.drawLabels(s, sx, sy, cam.scale);
    this.drawn = { sx, sy, scale: cam.scale };
  }

  /** Screen positions of the last frame's nodes, for picking. */
  private drawn: { sx: Float64Array; sy: Float64Array; scale: number } | undefined;

  private drawEdges(s: Scene, sx: Float64Array, sy: Float64Array, scale: number): void {
    const ctx = this.ctx;
    const { width: w, height: h } = this;
    // One path per colour and width.
    const groups = new Map<string, number[]>();
    for (let i = 0; i < s.edgeIds.length; i++) {
      const a = s.es[i]!;
      const b = s.et[i]!;
      const x1 = sx[a]!;
      const y1 = sy[a]!;
      const x2 = sx[b]!;
      const y2 = sy[b]!;
      if ((x1 < 0 && x2 < 0) || (x1 > w && x2 > w) || (y1 < 0 && y2 < 0) || (y1 > h && y2 > h)) continue;
      const key = `${s.ecolor[i]}|${widthPx(s.esize[i]!, scale)}`;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    }
    ctx.lineCap = 'round';
    // Wider on top: a highlighted (wider) link is not hidden under a plain one where they cross.
    const byWidth = [...groups].sort((a, b) => Number(a[0].slice(a[0].lastIndexOf('|') + 1)) - Number(b[0].slice(b[0].lastIndexOf('|') + 1)));
    for (const [key, list] of byWidth) {
      const bar = key.lastIndexOf('|');
      ctx.strokeStyle = key.slice(0, bar);
      ctx.lineWidth = Number(key.slice(bar + 1));
      ctx.beginPath();
      for (const i of list) {
        const a = s.es[i]!;
        const b = s.et[i]!;
        if (a === b) {
          // A switch cabled to itself: a small loop above it.
          const r = radiusPx(s.nsize[a]!, scale) * 1.5;
          ctx.moveTo(sx[a]! + r, sy[a]! - r);
          ctx.arc(sx[a]!, sy[a]! - r, r, 0, Math.PI * 2);
        } else {
          ctx.moveTo(sx[a]!, sy[a]!);
          ctx.lineTo(sx[b]!, sy[b]!);
        }
      }
      ctx.stroke();
    }
  }

  private drawNodes(s: Scene, sx: Float64Array, sy: Float64Array, scale: number): void {
    const ctx = this.ctx;
    const { width: w, height: h } = this;
    const groups = new Map<string, number[]>();
    for (let i = 0; i < s.nodeIds.length; i++) {
      const r = radiusPx(s.nsize[i]!, scale);
      if (sx[i]! < -r || sx[i]! > w + r || sy[i]! < -r || sy[i]! > h + r) continue;
      const g = groups.get(s.ncolor[i]!);
      if (g) g.push(i);
      else groups.set(s.ncolor[i]!, [i]);
    }
    for (const [colour, list] of groups) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      for (const i of list) {
        const r = radiusPx(s.nsize[i]!, scale);
        // Under 2 px a square looks the same and is much cheaper to fill.
        if (r < 2) ctx.rect(sx[i]! - r, sy[i]! - r, 2 * r, 2 * r);
        else {
          ctx.moveTo(sx[i]! + r, sy[i]!);
          ctx.arc(sx[i]!, sy[i]!, r, 0, Math.PI * 2);
        }
      }
      ctx.fill();
    }
    const hi = this.hovered !== undefined ? s.nodeIndex.get(this.hovered) : undefined;
    if (hi !== undefined) {
      ctx.strokeStyle = this.labelColor;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(sx[hi]!, sy[hi]!, radiusPx(s.nsize[hi]!, scale) + 2, 0, Math.PI * 2);
      ctx.stroke();
    }
  }

  private drawLabels(s: Scene, sx: Float64Array, sy: Float64Array, scale: number): void {
    const ctx = this.ctx;
    const { width: w, height: h } = this;
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = this.labelColor;
    let drawn = 0;
    for (let i = 0; i < s.nodeIds.length && drawn < MAX_LABELS; i++) {
      const label = s.nlabel[i];
      const r = radiusPx(s.nsize[i]!, scale);
      if (!label || !labelShown(s.nsize[i]!, scale, LABEL_MIN_RADIUS_PX) || s.nodeIds[i] === this.hovered) continue;
      if (sx[i]! < -200 || sx[i]! > w || sy[i]! < -10 || sy[i]! > h + 10) continue;
      ctx.fillText(label, sx[i]! + r + 3, sy[i]!);
      drawn++;
    }
    const hi = this.hovered !== undefined ? s.nodeIndex.get(this.hovered) : undefined;
    const label = hi !== undefined ? s.nlabel[hi] : undefined;
    if (hi !== undefined && label) {
      // The hovered node's label on a backdrop, whatever the zoom.
      const r = radiusPx(s.nsize[hi]!, scale);
      const x = sx[hi]! + r + 4;
      const tw = ctx.measureText(label).width;
      ctx.fillStyle = 'rgba(255,255,255,0.9)';
      ctx.fillRect(x - 3, sy[hi]! - 9, tw + 6, 18);
      ctx.fillStyle = this.labelColor;
      ctx.fillText(label, x, sy[hi]!);
    }
  }

  /** The node under a canvas point (the nearest within its radius plus a few pixels), if any. */
  private nodeAt(px: number, py: number): string | undefined {
    const s = this.scene;
    const d = this.drawn;
    if (!s || !d || d.sx.length !== s.nodeIds.length) return undefined;
    const i = nearestWithin(
      s.nodeIds.length,
      (i) => Math.hypot(d.sx[i]! - px, d.sy[i]! - py),
      (i) => radiusPx(s.nsize[i]!, d.scale) + 3,
    );
    return i === undefined ? undefined : s.nodeIds[i];
  }

  /** The link under a canvas point (the nearest within a few pixels of its line), if any; self-loops are not picked. */
  private edgeAt(px: number, py: number): string | undefined {
    const s = this.scene;
    const d = this.drawn;
    if (!s || !d || d.sx.length !== s.nodeIds.length) return undefined;
    const i = nearestWithin(
      s.edgeIds.length,
      (i) => (s.es[i] === s.et[i] ? Infinity : segmentDistance(px, py, d.sx[s.es[i]!]!, d.sy[s.es[i]!]!, d.sx[s.et[i]!]!, d.sy[s.et[i]!]!)),
      (i) => EDGE_PICK_PX + widthPx(s.esize[i]!, d.scale) / 2,
    );
    return i === undefined ? undefined : s.edgeIds[i];
  }

  private emit<K extends keyof GraphCanvasEvents>(type: K, ...args: Parameters<GraphCanvasEvents[K]>): void {
    for (const fn of this.listeners[type]) (fn as (...a: Parameters<GraphCanvasEvents[K]>) => void)(...args);
  }

  private point(e: MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private setHovered(node: string | undefined): void {
    if (node === this.hovered) return;
    const prev = this.hovered;
    this.hovered = node;
    this.canvas.style.cursor = node ? 'pointer' : '';
    if (prev) this.emit('leaveNode', prev);
    if (node) this.emit('enterNode', node);
    this.schedule();
  }

  private zoomBy(sx: number, sy: number, factor: number): void {
    const cam = this.camera;
    if (!cam) return;
    const scale = Math.min(Math.max(cam.scale * factor, this.fittedScale * MIN_ZOOM), this.fittedScale * MAX_ZOOM);
    this.animation = undefined;
    this.camera = zoomAt(cam, this.width, this.height, sx, sy, scale / cam.scale);
    this.schedule();
  }

  private listen(): void {
    const c = this.canvas;
    const add = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions): void => {
      c.addEventListener(type, fn, opts);
      this.detach.push(() => c.removeEventListener(type, fn, opts));
    };
    add('pointerdown', (e) => {
      if (e.button !== 0 || !this.camera) return;
      const p = this.point(e);
      this.pointers.set(e.pointerId, p);
      c.setPointerCapture(e.pointerId);
      if (this.pointers.size === 2) {
        // Two fingers: pinch to zoom about their midpoint (no click, no drag).
        const [a, b] = [...this.pointers.values()] as [Point, Point];
        this.press = undefined;
        this.pinch = { distance: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)), cam: this.camera, mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
        return;
      }
      this.press = { ...p, cam: this.camera, dragging: false, id: e.pointerId };
    });
    add('pointermove', (e) => {
      const p = this.point(e);
      if (this.pointers.has(e.pointerId)) this.pointers.set(e.pointerId, p);
      const pinch = this.pinch;
      if (pinch && this.pointers.size === 2) {
        const [a, b] = [...this.pointers.values()] as [Point, Point];
        const factor = Math.hypot(a.x - b.x, a.y - b.y) / pinch.distance;
        const scale = Math.min(Math.max(pinch.cam.scale * factor, this.fittedScale * MIN_ZOOM), this.fittedScale * MAX_ZOOM);
        this.animation = undefined;
        this.camera = zoomAt(pinch.cam, this.width, this.height, pinch.mid.x, pinch.mid.y, scale / pinch.cam.scale);
        this.schedule();
        return;
      }
      const press = this.press;
      if (press && press.id === e.pointerId) {
        if (!press.dragging && Math.hypot(p.x - press.x, p.y - press.y) < CLICK_SLOP_PX) return;
        press.dragging = true;
        this.animation = undefined;
        this.camera = { ...press.cam, cx: press.cam.cx - (p.x - press.x) / press.cam.scale, cy: press.cam.cy + (p.y - press.y) / press.cam.scale };
        this.schedule();
        return;
      }
      this.setHovered(this.nodeAt(p.x, p.y));
    });
    const release = (e: PointerEvent): void => {
      this.pointers.delete(e.pointerId);
      if (this.pointers.size < 2) this.pinch = undefined;
    };
    add('pointerup', (e) => {
      release(e);
      const press = this.press;
      if (!press || press.id !== e.pointerId) return;
      this.press = undefined;
      if (press.dragging) return;
      const p = this.point(e);
      const node = this.nodeAt(p.x, p.y);
      if (node) return this.emit('clickNode', node);
      const edge = this.edgeAt(p.x, p.y);
      if (edge) return this.emit('clickEdge', edge);
      this.emit('clickStage');
    });
    add('pointercancel', (e) => {
      release(e);
      this.press = undefined;
    });
    add('pointerleave', () => this.setHovered(undefined));
    add('dblclick', (e) => {
      const p = this.point(e);
      const node = this.nodeAt(p.x, p.y);
      if (node && this.listeners.doubleClickNode.length > 0) return this.emit('doubleClickNode', node);
      this.zoomBy(p.x, p.y, 2);
    });
    // Keys when the graph has focus: + and - zoom about the centre, 0 fits, arrows pan a tenth of the view.
    add('keydown', (e) => {
      const cam = this.camera;
      if (!cam || e.ctrlKey || e.metaKey || e.altKey) return;
      const step = 0.1 / cam.scale;
      const pan = { ArrowLeft: [-step * this.width, 0], ArrowRight: [step * this.width, 0], ArrowUp: [0, step * this.height], ArrowDown: [0, -step * this.height] }[e.key];
      if (e.key === '+' || e.key === '=') this.zoomBy(this.width / 2, this.height / 2, 1.5);
      else if (e.key === '-' || e.key === '_') this.zoomBy(this.width / 2, this.height / 2, 1 / 1.5);
      else if (e.key === '0') this.fit();
      else if (pan) {
        this.animation = undefined;
        this.camera = { ...cam, cx: cam.cx + pan[0]!, cy: cam.cy + pan[1]! };
        this.schedule();
      } else return;
      e.preventDefault();
    });
    add(
      'wheel',
      (e) => {
        e.preventDefault();
        const p = this.point(e);
        // Lines (Firefox) and pages scroll further per notch than pixels.
        const delta = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.height : 1);
        this.zoomBy(p.x, p.y, Math.exp(-delta * 0.002));
      },
      { passive: false },
    );
  }
}
