/**
 * The menu of the "+" after a port (and of a wire dropped on empty canvas): every step kind
 * but a trigger; choosing one inserts it after the port, wired. Escape or a click elsewhere
 * closes it.
 */
import { memo, useEffect, useRef } from 'react';
import { PALETTE, type PaletteKind } from '../model/palette';
import { insertableKinds } from '../model/transform';
import './building.css';
import { KIND_COLORS, KindIcon } from './icons';

function InsertMenu({
  x,
  y,
  splitting,
  onPick,
  onClose,
}: {
  /** Position inside the canvas box (pixels). */
  x: number;
  y: number;
  /** The port already has a wire (the new step goes into it). */
  splitting: boolean;
  onPick: (kind: PaletteKind) => void;
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
  return (
    <div className="insert-menu" data-testid="insert-menu" role="menu" ref={box} style={{ left: x, top: y }}>
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
  );
}

export default memo(InsertMenu);
