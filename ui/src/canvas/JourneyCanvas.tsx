/**
 * The React Flow canvas: nodes and wires of the journey, palette drops, minimap, controls and
 * the empty state. All state lives in the editor hook; this component only wires events.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  getViewportForBounds,
  MarkerType,
  MiniMap,
  Panel,
  ReactFlow,
  useReactFlow,
  useStore,
  useUpdateNodeInternals,
  type DefaultEdgeOptions,
  type IsValidConnection,
  type NodeMouseHandler,
  type OnConnectEnd,
  type Viewport,
} from '@xyflow/react';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { Editor } from '../editor/useEditor';
import type { StepNode, WireEdge } from '../model/canvas';
import { NODE_HEIGHT, NODE_WIDTH } from '../model/layout';
import { kindOf, PALETTE_KINDS, type PaletteKind } from '../model/palette';
import { connectCandidates, connectPort } from '../model/transform';
import { KIND_COLORS } from './kinds';
import { InsertContext, type InsertRequest } from './insert';
import InsertMenu from './InsertMenu';
import { PALETTE_MIME } from './Palette';
import HugeMiniMap from './HugeMiniMap';
import StepNodeView from './StepNodeView';
import { withEstimatedHandles } from './unmeasured';
import WireEdgeView from './WireEdgeView';
import { BIG_JOURNEY, cardBounds, HUGE_JOURNEY, HugeJourneyContext, MapZoomContext, zoomLevel, type ZoomLevel as ZoomLevelName } from './zoom';

const nodeTypes = { step: StepNodeView };
const edgeTypes = { wire: WireEdgeView };
const defaultEdgeOptions: DefaultEdgeOptions = { type: 'wire', markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14, color: '#94a3b8', markerUnits: 'userSpaceOnUse' } };
const fitViewOptions = { padding: 0.15, maxZoom: 1 };
const MIN_ZOOM = 0.05;
const deleteKeys = ['Delete', 'Backspace'];
const multiKeys = ['Shift', 'Meta', 'Control'];
const proOptions = { hideAttribution: false };
/** A new, empty journey opens a little zoomed out so that several cards fit side by side. */
const emptyViewport = { x: 60, y: 40, zoom: 0.8 };
/** The minimap helps to find one's way in large journeys; small ones do not need it. */
export const MINIMAP_FROM_NODES = 16;

const minimapStyle = { width: 168, height: 120 };
const MINIMAP_MASK = 'rgba(241,245,249,0.7)';
const MAX_ZOOM = 2;

const isValidConnection: IsValidConnection<WireEdge> = (c) => c.source !== c.target;

function minimapColor(n: StepNode): string {
  if (n.data.status === 'error') return '#dc2626';
  if (n.data.status === 'warning') return '#d97706';
  return KIND_COLORS[kindOf(n.data.doc as { type: string; channel?: unknown })];
}

const NO_EDGES: WireEdge[] = [];

/** Reports the zoom level when it changes (one store subscription for the whole canvas). */
function ZoomWatch({ onLevel }: { onLevel: (level: ZoomLevelName) => void }) {
  const level = useStore((s) => zoomLevel(s.transform[2]));
  useEffect(() => onLevel(level), [level, onLevel]);
  return null;
}

function JourneyCanvas({ editor, onNodeClick, onPaneClick }: { editor: Editor; onNodeClick: (id: string) => void; onPaneClick: () => void }) {
  const rf = useReactFlow<StepNode, WireEdge>();
  const { addNode } = editor;
  const box = useRef<HTMLDivElement>(null);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(PALETTE_MIME) || e.dataTransfer.types.includes('text/plain')) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = (e.dataTransfer.getData(PALETTE_MIME) || e.dataTransfer.getData('text/plain')) as PaletteKind;
      if (!(PALETTE_KINDS as readonly string[]).includes(kind)) return;
      e.preventDefault();
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      addNode(kind, { x: p.x - NODE_WIDTH / 2, y: p.y - 24 });
      onNodeClick('');
    },
    [rf, addNode, onNodeClick],
  );

  const handleNodeClick: NodeMouseHandler<StepNode> = useCallback((_e, node) => onNodeClick(node.id), [onNodeClick]);

  // ---- the "+" menu: after a port, on a selected wire, or where a wire was dropped ----
  const [menu, setMenu] = useState<InsertRequest | null>(null);
  // The canvas's box as the menu opened, which places it (read then, not while rendering: reading
  // it forces a layout of the whole canvas).
  const [menuBox, setMenuBox] = useState<DOMRect | undefined>(undefined);
  const openInsert = useCallback((r: InsertRequest) => {
    setMenuBox(box.current?.getBoundingClientRect());
    setMenu(r);
  }, []);
  const closeMenu = useCallback(() => setMenu(null), []);
  const { insertAfter } = editor;
  const pick = useCallback(
    (kind: PaletteKind) => {
      if (!menu) return;
      setMenu(null);
      const id = insertAfter(menu.from, menu.port, kind, menu.at);
      if (!id) return;
      onNodeClick(id);
      // Bring the new step into view when it landed outside it (keeping the zoom).
      window.setTimeout(() => {
        const n = rf.getNode(id);
        const rect = box.current?.getBoundingClientRect();
        if (!n || !rect) return;
        const w = n.measured?.width ?? NODE_WIDTH;
        const h = n.measured?.height ?? 100;
        const a = rf.flowToScreenPosition({ x: n.position.x, y: n.position.y });
        const b = rf.flowToScreenPosition({ x: n.position.x + w, y: n.position.y + h });
        const margin = 24;
        if (a.x < rect.left + margin || a.y < rect.top + margin || b.x > rect.right - margin || b.y > rect.bottom - margin - 40) {
          void rf.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: rf.getZoom(), duration: 200 });
        }
      }, 30);
    },
    [menu, insertAfter, onNodeClick, rf],
  );
  const onConnectEnd: OnConnectEnd = useCallback(
    (event, state) => {
      if (state.isValid || !state.fromNode || state.fromHandle?.type !== 'source') return;
      const target = event.target as Element | null;
      if (!target?.classList?.contains('react-flow__pane')) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : (event as MouseEvent);
      if (!point) return;
      const p = rf.screenToFlowPosition({ x: point.clientX, y: point.clientY });
      openInsert({
        from: state.fromNode.id,
        port: state.fromHandle.id ?? 'next',
        client: { x: point.clientX, y: point.clientY },
        at: { x: p.x - NODE_WIDTH / 2, y: p.y },
      });
    },
    [rf, openInsert],
  );
  const splitting = menu ? editor.edges.some((e) => e.source === menu.from && (e.sourceHandle ?? 'next') === menu.port) : false;
  // "Connect to" an existing step: offered for a port with no next step.
  const { journey, applyDoc } = editor;
  const candidates = useMemo(() => (menu && !splitting ? connectCandidates(journey, menu.from) : []), [menu, splitting, journey]);
  const kindOfStep = useCallback((id: string) => {
    const n = rf.getNode(id);
    return n ? kindOf(n.data.doc as { type: string; channel?: unknown }) : 'unknown';
  }, [rf]);
  const connectTo = useCallback(
    (to: string) => {
      if (!menu) return;
      setMenu(null);
      const { from, port } = menu;
      applyDoc((d) => ({ doc: connectPort(d, from, port, to) }));
    },
    [menu, applyDoc],
  );
  const pending = editor.pendingDelete;

  const big = editor.nodes.length > BIG_JOURNEY;
  const huge = editor.nodes.length > HUGE_JOURNEY;
  // A huge journey draws only the cards in view, which needs unmeasured cards' handles up front.
  const flowNodes = useMemo(() => (huge ? editor.nodes.map(withEstimatedHandles) : editor.nodes), [huge, editor.nodes]);
  const [zoom, setZoom] = useState<ZoomLevelName>('near');
  const level: ZoomLevelName = big ? zoom : 'near';
  const updateNodeInternals = useUpdateNodeInternals();
  const previousLevel = useRef(level);
  useEffect(() => {
    // Handles come back when leaving the map level: measure them (cards kept their size, so
    // React Flow would not on its own).
    // (A huge journey's cards do this themselves, as they are drawn: see HugeJourneyContext.)
    if (previousLevel.current === 'map' && level !== 'map' && !huge) updateNodeInternals(editor.nodes.map((n) => n.id));
    previousLevel.current = level;
  }, [level]); // eslint-disable-line react-hooks/exhaustive-deps
  // Fit once when a journey with steps opens; never again behind the marketer's back.
  const [initialFit] = useState(() => editor.nodes.length > 0);
  // A huge journey is fitted before its first render, from the positions and the pane's size:
  // waiting for React Flow's fit would first draw every card in full at the default zoom.
  const [hugeViewport, setHugeViewport] = useState<Viewport | null>(null);
  useLayoutEffect(() => {
    if (!huge || !initialFit || !box.current) return;
    const r = box.current.getBoundingClientRect();
    const bounds = cardBounds(
      editor.nodes.map((n) => n.position),
      { width: NODE_WIDTH, height: NODE_HEIGHT },
    );
    const vp = getViewportForBounds(bounds, r.width, r.height, MIN_ZOOM, fitViewOptions.maxZoom, fitViewOptions.padding);
    setZoom(zoomLevel(vp.zoom));
    setHugeViewport(vp);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  const waitForFit = huge && initialFit && !hugeViewport;
  return (
    <div className={`canvas${big ? ' canvas--big' : ''}`} ref={box} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas" data-zoom={level}>
      <InsertContext.Provider value={openInsert}>
      <MapZoomContext.Provider value={level === 'map'}>
      <HugeJourneyContext.Provider value={huge}>
      {!waitForFit && <ReactFlow<StepNode, WireEdge>
        nodes={flowNodes}
        edges={level === 'map' ? NO_EDGES : editor.edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        defaultEdgeOptions={defaultEdgeOptions}
        onNodesChange={editor.onNodesChange}
        onEdgesChange={editor.onEdgesChange}
        onConnect={editor.onConnect}
        onConnectEnd={onConnectEnd}
        onReconnect={editor.onReconnect}
        edgesReconnectable
        onNodeDragStart={editor.onNodeDragStart}
        onNodeDragStop={editor.onNodeDragStop}
        onBeforeDelete={editor.onBeforeDelete}
        onNodeClick={handleNodeClick}
        onPaneClick={onPaneClick}
        isValidConnection={isValidConnection}
        deleteKeyCode={deleteKeys}
        multiSelectionKeyCode={multiKeys}
        selectionKeyCode="Shift"
        fitView={initialFit && !huge}
        fitViewOptions={fitViewOptions}
        defaultViewport={hugeViewport ?? emptyViewport}
        minZoom={MIN_ZOOM}
        onlyRenderVisibleElements={huge}
        maxZoom={MAX_ZOOM}
        elevateEdgesOnSelect
        connectionRadius={28}
        autoPanOnConnect={false}
        proOptions={proOptions}
        attributionPosition="bottom-center"
      >
        {big && <ZoomWatch onLevel={setZoom} />}
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cbd5e1" />
        {editor.nodes.length >= MINIMAP_FROM_NODES && !huge && (
          <MiniMap<StepNode> pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} maskColor={MINIMAP_MASK} style={minimapStyle} />
        )}
        {huge && <HugeMiniMap nodes={editor.nodes} nodeColor={minimapColor} maskColor={MINIMAP_MASK} style={minimapStyle} minZoom={MIN_ZOOM} maxZoom={MAX_ZOOM} />}
        <Controls showInteractive={false} />
        {editor.nodes.length === 0 && (
          <Panel position="top-center" className="canvas__empty" data-testid="canvas-empty">
            <div className="empty__title">An empty journey</div>
            <p className="empty__text">
              Drag a <strong>Trigger</strong> from the palette onto the canvas (or click it) to choose the event that starts the journey, then add steps and
              connect their ports.
            </p>
          </Panel>
        )}
        {pending && (
          <Panel position="top-center" className="delete-choice" data-testid="delete-choice">
            <span>
              Delete <strong>{pending.id}</strong>: which path do you keep?
            </span>
            {pending.ports.map((port) => (
              <button key={port} type="button" className="btn btn--small" data-testid={`delete-keep-${port}`} onClick={() => editor.resolveDelete(port)}>
                Keep “{port}”
              </button>
            ))}
            <button type="button" className="btn btn--small btn--ghost" data-testid="delete-cancel" onClick={() => editor.resolveDelete(null)}>
              Cancel
            </button>
          </Panel>
        )}
      </ReactFlow>}
      </HugeJourneyContext.Provider>
      </MapZoomContext.Provider>
      </InsertContext.Provider>
      {menu && (
        <InsertMenu
          x={Math.max(8, Math.min(menu.client.x - (menuBox?.left ?? 0), (menuBox?.width ?? 1e6) - (candidates.length > 0 ? 430 : 210)))}
          y={Math.max(8, Math.min(menu.client.y - (menuBox?.top ?? 0) + 8, (menuBox?.height ?? 1e6) - 360))}
          splitting={splitting}
          candidates={candidates}
          kindOfStep={kindOfStep}
          onPick={pick}
          onConnect={connectTo}
          onClose={closeMenu}
        />
      )}
    </div>
  );
}

export default memo(JourneyCanvas);
