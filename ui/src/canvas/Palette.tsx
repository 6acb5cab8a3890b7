/**
 * The palette of step kinds: drag one onto the canvas (HTML5 drag and drop) or click it to add
 * it at the centre of the view.
 */
import { memo } from 'react';
import { PALETTE, type PaletteKind } from '../model/palette';
import { KindIcon } from './icons';
import { KIND_COLORS } from './kinds';

/** The drag payload type carrying a palette kind. */
export const PALETTE_MIME = 'application/x-itinera-kind';

function Palette({ onAdd }: { onAdd: (kind: PaletteKind) => void }) {
  return (
    <nav className="palette" aria-label="Steps">
      <div className="palette__title">Steps</div>
      <div className="palette__hint">Drag onto the canvas or click to add</div>
      {PALETTE.map((entry) => (
        <button
          key={entry.kind}
          type="button"
          className="palette__item"
          data-testid={`palette-${entry.kind}`}
          draggable
          onDragStart={(e) => {
            e.dataTransfer.setData(PALETTE_MIME, entry.kind);
            e.dataTransfer.setData('text/plain', entry.kind);
            e.dataTransfer.effectAllowed = 'copy';
          }}
          onClick={() => onAdd(entry.kind)}
          title={entry.hint}
        >
          <span className="palette__icon" style={{ background: KIND_COLORS[entry.kind] }}>
            <KindIcon kind={entry.kind} size={14} />
          </span>
          <span className="palette__text">
            <span className="palette__label">{entry.label}</span>
            <span className="palette__sub">{entry.hint}</span>
          </span>
        </button>
      ))}
    </nav>
  );
}

export default memo(Palette);
