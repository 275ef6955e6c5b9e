/**
 * The shapes sigma draws the topology with, shared by every view that draws it. Sigma gives every
 * edge the vertex count of the costliest path it knows: with its default paths (straight and a
 * 32-segment self-loop) each link is a 66-vertex ribbon, drawn twice (picture and picking), and
 * under software WebGL (SwiftShader, CI's headless Chromium) that vertex work was most of a
 * 1,000-switch frame. A 6-segment loop keeps a switch cabled to itself visible at 14 vertices an
 * edge (straight links need 4).
 */
import { pathLine, pathLoop } from 'sigma/rendering';

/** Self-loop segments: enough for the small loop drawn at a switch. */
export const LOOP_SEGMENTS = 6;

/** The `primitives` option for `new Sigma(...)` (built when a view mounts: it needs WebGL2's constants). */
export function topologyPrimitives() {
  return { edges: { paths: [pathLine(), pathLoop({ segments: LOOP_SEGMENTS })] } };
}
