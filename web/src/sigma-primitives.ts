/**
 * How the views draw the topology with sigma: the shapes (`topologyPrimitives`), a warm-up draw
 * (`warmUpRenderer`), labels made only once a zoom can show them (`LazyLabels`) and links made
 * clickable once the pointer comes over the graph (`edgeEventsOnPointer`). The shapes sigma draws the topology with, shared by every view that draws it. Sigma gives every
 * edge the vertex count of the costliest path it knows: with its default paths (straight and a
 * 32-segment self-loop) each link is a 66-vertex ribbon, drawn twice (picture and picking), and
 * under software WebGL (SwiftShader, CI's headless Chromium) that vertex work was most of a
 * 1,000-switch frame. A 6-segment loop keeps a switch cabled to itself visible at 14 vertices an
 * edge (straight links need 4).
 */
import { MultiUndirectedGraph } from 'graphology';
import type Sigma from 'sigma';
import { pathLine, pathLoop } from 'sigma/rendering';

/** Self-loop segments: enough for the small loop drawn at a switch. */
export const LOOP_SEGMENTS = 6;

/** The `primitives` option for `new Sigma(...)` (built when a view mounts: it needs WebGL2's constants). */
export function topologyPrimitives() {
  return { edges: { paths: [pathLine(), pathLoop({ segments: LOOP_SEGMENTS })] } };
}

/** Fully transparent: the warm-up draw shows nothing. */
const INVISIBLE = 'rgba(0,0,0,0)';

/**
 * Draws one invisible frame with a node and a link, then goes back to `graph`. The first frame that
 * uses each of sigma's programs pays for it: under SwiftShader the GPU process builds the
 * pipelines then, about 0.5-2 s of CPU (more on a loaded machine). A view whose graph is still
 * empty (the topology not loaded yet) calls this at mount, so that work runs while the snapshot
 * is on its way instead of in front of the first complete frame.
 */
export function warmUpRenderer(sigma: Sigma, graph: Parameters<Sigma['setGraph']>[0]): void {
  const warm = new MultiUndirectedGraph({ allowSelfLoops: true });
  warm.addNode('warm:a', { x: 0, y: 0, size: 5, color: INVISIBLE });
  warm.addNode('warm:b', { x: 1, y: 1, size: 5, color: INVISIBLE });
  warm.addEdgeWithKey('warm:ab', 'warm:a', 'warm:b', { size: 3, color: INVISIBLE });
  // setGraph draws at once (sigma's refresh), so the warm-up's draw calls are sent before the switch back.
  sigma.setGraph(warm);
  sigma.setGraph(graph);
}

/** Sigma's setting: a node's label shows when the node is drawn at least this many pixels wide. */
export const LABEL_RENDERED_SIZE_THRESHOLD = 8;

/**
 * Node labels given to sigma only once one of them can show. Sigma turns every label it is given
 * into glyphs of a signed-distance-field atlas while it processes the nodes (about half of the
 * JavaScript of a 1,000-switch first render), although a label shows only on a node drawn at least
 * `LABEL_RENDERED_SIZE_THRESHOLD` pixels wide, and none is at the zoom that fits a large network.
 * Until the largest node can reach that size the view's node reducer drops labels (`reduce`);
 * after each render `afterRender` is told how wide the largest node is now drawn and, the first
 * time it is wide enough, answers true: the view then refreshes sigma, which makes the labels. A
 * small network, drawn large, gets its labels one frame after its first. Sigma also shows a
 * hovered node's label whatever its size: the view turns labels on (`enable`) when the pointer
 * first enters a node.
 */
export class LazyLabels {
  private on = false;

  /** True once labels are given to sigma (they stay on). */
  get enabled(): boolean {
    return this.on;
  }

  /** The node's display data as sigma should draw it: without its label while labels are off. */
  reduce<T extends { label?: string | null | undefined }>(data: T): T {
    return this.on || data.label == null ? data : { ...data, label: null };
  }

  /** Called after a render with the largest node's drawn width in pixels; true when sigma must now process the labels (once). */
  afterRender(largestNodePx: number): boolean {
    if (!(largestNodePx >= LABEL_RENDERED_SIZE_THRESHOLD)) return false;
    return this.enable();
  }

  /**
   * Labels on whatever the zoom (sigma shows a hovered node's label at any size); true when this
   * turned them on, and sigma must process them.
   */
  enable(): boolean {
    if (this.on) return false;
    this.on = true;
    return true;
  }
}

/** The part of sigma `edgeEventsOnPointer` uses. */
export interface EdgeEventsTarget {
  setSetting(key: 'enableEdgeEvents', value: boolean): unknown;
}

/**
 * Makes links clickable and hoverable from the first time the pointer comes over `container`:
 * with edge events on, every frame draws every link a second time into sigma's picking buffer,
 * which a first frame nobody points at does not need. Returns the function that stops watching.
 */
export function edgeEventsOnPointer(sigma: EdgeEventsTarget, container: EventTarget): () => void {
  const on = (): void => {
    stop();
    sigma.setSetting('enableEdgeEvents', true);
  };
  const stop = (): void => {
    container.removeEventListener('pointerenter', on);
    container.removeEventListener('pointermove', on);
  };
  container.addEventListener('pointerenter', on);
  container.addEventListener('pointermove', on);
  return stop;
}
