/**
 * Cards of a huge journey that React Flow has not measured yet. React Flow draws every node
 * it has no handle positions for, visible or not (so that it can measure it): opening a
 * 10,000-step journey would mount 10,000 cards, measure them all and unmount all but the few
 * in view. Giving such a node its size (`initialWidth`/`initialHeight`) and where its handles
 * will be (`handles`, the card's layout: the target centred on top, one source per output port
 * spread along the bottom) lets React Flow draw only the cards in view. A card drawn is
 * measured as usual, and its measured node (see `withEstimatedHandles`) drops the estimate, so
 * the estimate only ever places the far end of a wire into a card not drawn yet.
 */
import { Position, type NodeHandle } from '@xyflow/react';
import type { StepNode } from '../model/canvas';
import { NODE_HEIGHT, NODE_WIDTH } from '../model/layout';
import { outputPorts, TARGET_HANDLE } from '../model/ports';

/** Size of a handle as drawn (`.step__source`, `.step__target` in styles.css; border-box). */
export const HANDLE_SIZE = 11;
/** The card's side border: handles are placed within it (`left: N%` of the padding box). */
const BORDER = 1.5;
/** How far the target handle's top sits above the card, and the sources' bottom below it (as measured). */
const TARGET_TOP = -8.5;
const SOURCE_BOTTOM = NODE_HEIGHT + 10.5;

/** Where the card's handles are drawn, relative to its top-left corner. */
export function estimatedHandles(node: StepNode): NodeHandle[] {
  const half = HANDLE_SIZE / 2;
  const handles: NodeHandle[] = [
    { id: TARGET_HANDLE, type: 'target', position: Position.Top, x: NODE_WIDTH / 2 - half, y: TARGET_TOP, width: HANDLE_SIZE, height: HANDLE_SIZE },
  ];
  const ports = outputPorts(node.data.doc);
  ports.forEach((p, i) => {
    handles.push({
      id: p.port,
      type: 'source',
      position: Position.Bottom,
      x: BORDER + ((i + 0.5) / ports.length) * (NODE_WIDTH - 2 * BORDER) - half,
      y: SOURCE_BOTTOM - HANDLE_SIZE,
      width: HANDLE_SIZE,
      height: HANDLE_SIZE,
    });
  });
  return handles;
}

const estimated = new WeakMap<StepNode, StepNode>();

/**
 * `node` as given to React Flow in a huge journey: a measured node unchanged, an unmeasured one
 * with its size and estimated handles (the same object for the same node, so that React Flow
 * sees an unchanged node as unchanged).
 */
export function withEstimatedHandles(node: StepNode): StepNode {
  if (node.measured?.width !== undefined && node.measured?.height !== undefined) return node;
  let out = estimated.get(node);
  if (!out) {
    out = { ...node, initialWidth: NODE_WIDTH, initialHeight: NODE_HEIGHT, handles: estimatedHandles(node) };
    estimated.set(node, out);
  }
  return out;
}
