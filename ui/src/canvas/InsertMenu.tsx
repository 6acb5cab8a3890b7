/**
 * The menu of the "+" after a port (and of a wire dropped on empty canvas): every step kind
 * but a trigger; choosing one inserts it after the port, wired. A port with no next step also
 * offers "Connect to" a short list of existing steps (those that make no loop, the ones nothing
 * leads to first). Escape or a click elsewhere closes it.
 */
import { memo, useEffect, useRef } from 'react';
import { PALETTE, type PaletteKind } from '../model/palette';
import { insertableKinds, type ConnectCandidate } from '../model/transform';
import './building.css';
import { KindIcon } from './icons';
import { KIND_COLORS } from './kinds';

function InsertMenu({
  x,
  y,
  splitting,
  candidates = [],
  kindOfStep,
  onPick,
  onConnect,
  onClose,
}: {
  /** Position inside the canvas box (pixels). */
  x: number;
  y: number;
  /** The port already has a wire (the new step goes into it). */
  splitting: boolean;
  /** Existing steps the port can be connected to (offered only when it has no wire). */
  candidates?: ConnectCandidate[];
  /** The palette kind of an existing step (for its icon). */
  kindOfStep?: (id: string) => PaletteKind | 'unknown';
  onPick: (kind: PaletteKind) => void;
  onConnect?: (to: string) => void;
  onClose: () => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    const onDown = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onClose();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('pointerdown', onDown, true);
    box.current?.querySelector('button')?.focus();
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pointerdown', onDown, true);
    };
  }, [onClose]);
  const kinds = insertableKinds(splitting);
  const connecting = !splitting && onConnect !== undefined && candidates.length > 0;
  return (
    <div className="insert-menu" data-testid="insert-menu" role="menu" ref={box} style={{ left: x, top: y }}>
      <div className="insert-menu__col">
        <div className="insert-menu__title">{splitting ? 'Insert a step here' : 'Add the next step'}</div>
        {PALETTE.filter((p) => kinds.includes(p.kind)).map((p) => (
          <button key={p.kind} type="button" role="menuitem" className="insert-menu__item" data-testid={`insert-${p.kind}`} onClick={() => onPick(p.kind)} title={p.hint}>
            <span className="palette__icon" style={{ background: KIND_COLORS[p.kind] }}>
              <KindIcon kind={p.kind} size={13} />
            </span>
            {p.label}
          </button>
        ))}
      </div>
      {connecting && (
        <div className="insert-menu__col insert-menu__col--connect" data-testid="connect-menu">
          <div className="insert-menu__title">Or connect to</div>
          {candidates.map((c) => {
            const kind = kindOfStep?.(c.id) ?? 'unknown';
            return (
              <button
                key={c.id}
                type="button"
                role="menuitem"
                className="insert-menu__item"
                data-testid={`connect-to-${c.id}`}
                onClick={() => onConnect(c.id)}
                title={c.name === c.id ? `Lead to ${c.id}` : `Lead to ${c.name} (${c.id})`}
              >
                <span className="palette__icon" style={{ background: KIND_COLORS[kind] }}>
                  <KindIcon kind={kind} size={13} />
                </span>
                <span className="insert-menu__name">{c.name}</span>
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}

export default memo(InsertMenu);
