/**
 * How the views draw the topology with sigma: the shapes (`topologyPrimitives`) and a warm-up draw
 * (`warmUpRenderer`). The shapes sigma draws the topology with, shared by every view that draws it. Sigma gives every
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
