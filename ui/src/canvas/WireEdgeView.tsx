/**
 * A journey edge: a smooth-step wire; after a simulation, its traffic count as a label and a
 * stroke width scaled by traffic; the selected contact's path is highlighted, the rest dimmed.
 */
import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, useReactFlow, type EdgeProps } from '@xyflow/react';
import { memo, useContext } from 'react';
import type { WireEdge } from '../model/canvas';
import { routeMiddle, routePath } from '../model/elk';
import { InsertContext } from './insert';

function WireEdgeView({ id, source, sourceHandleId, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected, markerEnd }: EdgeProps<WireEdge>) {
  // After auto-layout the wire follows ELK's orthogonal route (around the steps), its count where
  // ELK left room for it; once an end moves (a card dragged), the smooth-step path again.
  const route = data?.route;
  const routed = route ? routePath(route, sourceX, sourceY, targetX, targetY) : null;
  const [smooth, smoothX, smoothY] = getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 10 });
  const path = routed ?? smooth;
  const [labelX, labelY] = routed && route?.label ? [route.label.x, route.label.y] : routed && route ? routeMiddle(route) : [smoothX, smoothY];
  const rf = useReactFlow();
  const openInsert = useContext(InsertContext);
  const count = data?.count;
  const weight = data?.weight ?? 0;
  const width = count !== undefined ? 1.5 + weight * 6 : 1.5;
  const classes = ['wire'];
  if (data?.dimmed) classes.push('wire--dimmed');
  if (data?.onPath) classes.push('wire--on-path');
  if (selected) classes.push('wire--selected');
  if (routed) classes.push('wire--routed');
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={classes.join(' ')} style={{ strokeWidth: data?.onPath ? Math.max(width, 3) : width }} />
      {selected && (
        <EdgeLabelRenderer>
          <button
            type="button"
            className="wire__delete nodrag nopan"
            data-testid="edge-delete"
            title="Delete this wire (Del)"
            aria-label="Delete this wire"
            style={{ transform: `translate(-50%, -50%) translate(${labelX + 22}px, ${labelY}px)`, zIndex: 1001 }}
            onClick={() => void rf.deleteElements({ edges: [{ id }] })}
          >
            ×
          </button>
          {openInsert && (
            <button
              type="button"
              className="wire__insert nodrag nopan"
              data-testid="edge-insert"
              title="Insert a step on this wire"
              aria-label="Insert a step on this wire"
              style={{ transform: `translate(-50%, -50%) translate(${labelX - 22}px, ${labelY}px)`, zIndex: 1001 }}
              onClick={(e) => openInsert({ from: source, port: sourceHandleId ?? 'next', client: { x: e.clientX, y: e.clientY } })}
            >
              +
            </button>
          )}
        </EdgeLabelRenderer>
      )}
      {count !== undefined && (
        <EdgeLabelRenderer>
          <div
            className={`wire__count${data?.dimmed ? ' wire__count--dimmed' : ''}`}
            data-testid="edge-count"
            data-edge={id}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          >
            {count}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export default memo(WireEdgeView);
