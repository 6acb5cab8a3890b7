/**
 * The card drawn for every journey step: icon and colour per kind, the step's label (or its id),
 * a one-line summary, labelled output handles (one per port) each with a "+" that opens the
 * insert menu, and one target handle. Memoised: a card only re-renders when its own data
 * changes, which keeps 1,000-node journeys smooth.
 */
import { Handle, Position, useStoreApi, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { memo, useContext, useEffect, useMemo, useRef } from 'react';
import type { StepNode } from '../model/canvas';
import { kindOf } from '../model/palette';
import { outputPorts, TARGET_HANDLE } from '../model/ports';
import { nodeSummary } from '../model/summary';
import { KindIcon } from './icons';
import { KIND_COLORS, KIND_LABELS } from './kinds';
import { InsertContext } from './insert';
import { HugeJourneyContext, MapZoomContext } from './zoom';

function StepNodeView({ id, data, selected }: NodeProps<StepNode>) {
  const doc = data.doc;
  const kind = kindOf(doc as { type: string; channel?: unknown });
  const ports = useMemo(() => outputPorts(doc), [doc]);
  const summary = useMemo(() => nodeSummary(doc), [doc]);
  // Handles added, removed or moved without the card changing size (a new reply branch, a
  // renamed variant) must be re-measured, or React Flow cannot connect from them.
  const updateNodeInternals = useUpdateNodeInternals();
  const portsKey = ports.map((p) => p.port).join('\u0000');
  const firstPorts = useRef(portsKey);
  useEffect(() => {
    if (firstPorts.current === portsKey) return;
    firstPorts.current = portsKey;
    updateNodeInternals(id);
  }, [id, portsKey, updateNodeInternals]);
  const map = useContext(MapZoomContext);
  const openInsert = useContext(InsertContext);
  const label = typeof doc.label === 'string' ? doc.label.trim() : '';
  const huge = useContext(HugeJourneyContext);
  const store = useStoreApi();
  useEffect(() => {
    // In a huge journey a card may have been measured at the map level (no handles at all)
    // before it left the view: measure its handles again when it is drawn in full. Only then:
    // a card React Flow has not measured yet is measured on mount anyway.
    if (!huge || map) return;
    const bounds = store.getState().nodeLookup.get(id)?.internals.handleBounds;
    if (bounds && (bounds.source?.length ?? 0) + (bounds.target?.length ?? 0) === 0) updateNodeInternals(id);
  }, [huge, map, id, updateNodeInternals, store]);
  const color = KIND_COLORS[kind];
  const classes = ['step', `step--${data.status}`];
  if (map) classes.push('step--map');
  if (selected) classes.push('step--selected');
  if (data.dimmed) classes.push('step--dimmed');
  if (data.onPath) classes.push('step--on-path');
  const problemCount = data.problems.length;
  if (map) {
    return <div className={classes.join(' ')} data-status={data.status} data-kind={kind} style={{ '--kind-color': color } as React.CSSProperties} />;
  }
  return (
    <div
      className={classes.join(' ')}
      data-status={data.status}
      data-kind={kind}
      style={{ '--kind-color': color } as React.CSSProperties}
      title={problemCount > 0 ? data.problems.join('\n') : undefined}
    >
      <Handle type="target" position={Position.Top} id={TARGET_HANDLE} className={`step__target${doc.type === 'trigger' ? ' step__target--entry' : ''}`} />
      <div className="step__head">
        <span className="step__icon">
          <KindIcon kind={kind} size={15} />
        </span>
        <span className="step__kind">{KIND_LABELS[kind]}</span>
        {doc.type === 'send' && (doc as { transactional?: unknown }).transactional === true && (
          <span className="step__tag" data-testid="node-transactional" title="Transactional: quiet hours and the frequency cap do not apply">
            Transactional
          </span>
        )}
        {problemCount > 0 && (
          <span className={`step__badge step__badge--${data.status}`} data-testid="node-badge" aria-label={`${problemCount} problems`}>
            {problemCount}
          </span>
        )}
        {data.waiting !== undefined && data.waiting > 0 && (
          <span className="step__waiting" data-testid="node-waiting" data-count={data.waiting} title={`${data.waiting} ${data.waiting === 1 ? 'person is' : 'people are'} waiting at this step now`}>
            {data.waiting} waiting
          </span>
        )}
        {data.count !== undefined && (
          <span className="step__count" data-testid="node-count" title={`${data.count} contacts entered this step`}>
            {data.count}
          </span>
        )}
      </div>
      <div className="step__id" data-testid="step-name" title={label ? `${label} (id: ${doc.id})` : doc.id}>
        {label ? (
          <>
            <span className="step__label">{label}</span>
            <span className="step__idtag">{doc.id}</span>
          </>
        ) : (
          doc.id
        )}
      </div>
      <div className="step__summary">{summary}</div>
      {ports.length > 0 && (
        <div className="step__ports">
          {ports.map((p) => (
            <span key={p.port} className={`step__port${p.required ? '' : ' step__port--optional'}${data.deadPorts?.includes(p.port) ? ' step__port--dead' : ''}`} data-port={p.port}>
              {p.label}
            </span>
          ))}
        </div>
      )}
      {ports.map((p, i) => (
        <Handle
          key={p.port}
          type="source"
          position={Position.Bottom}
          id={p.port}
          className={`step__source${p.port === 'failed' || p.port === 'timeout' ? ' step__source--fallback' : ''}${data.deadPorts?.includes(p.port) ? ' step__source--dead' : ''}`}
          style={{ left: `${((i + 0.5) / ports.length) * 100}%` }}
          title={p.required ? `${p.label}: drag to the next step` : `${p.label} (optional): drag to a fallback step`}
        />
      ))}
      {openInsert &&
        ports.map((p, i) => (
          <button
            key={`add:${p.port}`}
            type="button"
            className="step__add nodrag nopan"
            data-testid={`port-add-${p.port}`}
            style={{ left: `${((i + 0.5) / ports.length) * 100}%` }}
            title={`Add a step after “${p.label}”`}
            aria-label={`Add a step after ${p.label}`}
            onClick={(e) => {
              e.stopPropagation();
              openInsert({ from: id, port: p.port, client: { x: e.clientX, y: e.clientY } });
            }}
          >
            +
          </button>
        ))}
    </div>
  );
}

export default memo(StepNodeView);
