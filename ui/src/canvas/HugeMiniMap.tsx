/**
 * The minimap of a huge journey (above HUGE_JOURNEY steps). React Flow's MiniMap draws one SVG
 * rectangle per step, each a component with its own store subscription: 10,000 of them take
 * longer to mount than the cards in view and cost work on every pan frame. This one draws the
 * same picture (the cards in their colours, the view as a hole in the mask) as one SVG path per
 * colour, rebuilt only when the journey's nodes change, and is pannable and zoomable like it.
 */
import { Panel, useReactFlow, useStore, type ReactFlowState } from '@xyflow/react';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { StepNode, WireEdge } from '../model/canvas';
import { pictureMemo } from './minimap';

const viewSelector = (s: ReactFlowState) => ({ tx: s.transform[0], ty: s.transform[1], zoom: s.transform[2], width: s.width, height: s.height });
const sameView = (a: ReturnType<typeof viewSelector>, b: ReturnType<typeof viewSelector>) =>
  a.tx === b.tx && a.ty === b.ty && a.zoom === b.zoom && a.width === b.width && a.height === b.height;

interface Props {
  nodes: readonly StepNode[];
  nodeColor: (n: StepNode) => string;
  maskColor: string;
  style: { width: number; height: number };
  minZoom: number;
  maxZoom: number;
}

function HugeMiniMap({ nodes, nodeColor, maskColor, style, minZoom, maxZoom }: Props) {
  const rf = useReactFlow<StepNode, WireEdge>();
  const [draw] = useState(pictureMemo);
  const { bounds, paths } = useMemo(() => draw(nodes, nodeColor), [draw, nodes, nodeColor]);
  const view = useStore(viewSelector, sameView);
  const viewBB = { x: -view.tx / view.zoom, y: -view.ty / view.zoom, width: view.width / view.zoom, height: view.height / view.zoom };
  // As React Flow's MiniMap: the journey and the view, scaled to fit, with a margin.
  const minX = Math.min(bounds.x, viewBB.x);
  const minY = Math.min(bounds.y, viewBB.y);
  const box = { x: minX, y: minY, width: Math.max(bounds.x + bounds.width, viewBB.x + viewBB.width) - minX, height: Math.max(bounds.y + bounds.height, viewBB.y + viewBB.height) - minY };
  const viewScale = Math.max(box.width / style.width, box.height / style.height);
  const viewWidth = viewScale * style.width;
  const viewHeight = viewScale * style.height;
  const offset = 5 * viewScale;
  const x = box.x - (viewWidth - box.width) / 2 - offset;
  const y = box.y - (viewHeight - box.height) / 2 - offset;
  const width = viewWidth + offset * 2;
  const height = viewHeight + offset * 2;

  // Dragging moves the view by as much of the journey as the pointer moved over the minimap.
  const drag = useRef<{ id: number; x: number; y: number } | null>(null);
  const onPointerDown = (e: React.PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { id: e.pointerId, x: e.clientX, y: e.clientY };
  };
  const onPointerMove = (e: React.PointerEvent<SVGSVGElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    const vp = rf.getViewport();
    const k = (width / style.width) * vp.zoom; // journey units per minimap pixel, times the zoom
    void rf.setViewport({ x: vp.x - (e.clientX - d.x) * k, y: vp.y - (e.clientY - d.y) * k, zoom: vp.zoom });
    drag.current = { id: d.id, x: e.clientX, y: e.clientY };
  };
  const onPointerUp = (e: React.PointerEvent<SVGSVGElement>) => {
    if (drag.current?.id === e.pointerId) drag.current = null;
  };
  // The wheel zooms about the centre of the view (a native listener: React's are passive).
  const svg = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const el = svg.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const vp = rf.getViewport();
      const factor = Math.pow(2, -e.deltaY * (e.deltaMode === 1 ? 0.05 : e.deltaMode ? 1 : 0.002));
      const zoom = Math.min(maxZoom, Math.max(minZoom, vp.zoom * factor));
      const box = el.closest('.react-flow')?.getBoundingClientRect();
      const cx = (box?.width ?? 0) / 2;
      const cy = (box?.height ?? 0) / 2;
      void rf.setViewport({ x: cx - ((cx - vp.x) / vp.zoom) * zoom, y: cy - ((cy - vp.y) / vp.zoom) * zoom, zoom });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [rf, minZoom, maxZoom]);

  return (
    <Panel
      position="bottom-right"
      className="react-flow__minimap"
      data-testid="rf__minimap"
      style={{ ...style, '--xy-minimap-mask-background-color-props': maskColor } as React.CSSProperties}
    >
      <svg
        ref={svg}
        width={style.width}
        height={style.height}
        viewBox={`${x} ${y} ${width} ${height}`}
        className="react-flow__minimap-svg"
        role="img"
        aria-label="Mini map"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      >
        {paths.map((p) => (
          <path key={p.color} className="react-flow__minimap-node" d={p.d} style={{ fill: p.color, stroke: 'none' }} shapeRendering="crispEdges" />
        ))}
        <path
          className="react-flow__minimap-mask"
          d={`M${x - offset},${y - offset}h${width + offset * 2}v${height + offset * 2}h${-width - offset * 2}z M${viewBB.x},${viewBB.y}h${viewBB.width}v${viewBB.height}h${-viewBB.width}z`}
          fillRule="evenodd"
          pointerEvents="none"
        />
      </svg>
    </Panel>
  );
}

export default memo(HugeMiniMap);
