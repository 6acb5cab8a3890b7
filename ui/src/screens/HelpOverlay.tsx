/** The keyboard shortcuts, shown with `?` or the help button. */
const SHORTCUTS: [string, string][] = [
  ['Drag from the palette', 'Add a step where you drop it (or click to add at the centre)'],
  ['Drag from a port to a step', 'Connect; a port has one wire, a new one replaces it'],
  ['Delete / Backspace', 'Delete the selected steps and wires'],
  ['Shift + click', 'Add to the selection'],
  ['Shift + drag', 'Select with a box'],
  ['Ctrl + A', 'Select every step'],
  ['Ctrl + C / Ctrl + V', 'Copy / paste steps (with new ids)'],
  ['Ctrl + D', 'Duplicate the selected steps'],
  ['Drag the end of a wire', 'Move it to another step or port'],
  ['Ctrl + Z', 'Undo'],
  ['Ctrl + Shift + Z  or  Ctrl + Y', 'Redo'],
  ['Ctrl + F', 'Find a step by id, kind or text'],
  ['Ctrl + S', 'Save'],
  ['Ctrl + Shift + S', 'Save as'],
  ['Ctrl + O', 'Open'],
  ['Scroll / drag the background', 'Zoom / pan'],
  ['?', 'Show this help'],
  ['Esc', 'Close dialogs'],
];

export default function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal modal--wide" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" data-testid="help-overlay">
        <h2 className="modal__title">Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">On macOS, use ⌘ instead of Ctrl. Delete, copy, paste and select-all act on the canvas whenever you are not typing in a field; undo, redo, save and find work everywhere.</p>
        <div className="modal__actions">
          <button type="button" className="btn btn--primary" data-testid="help-close" onClick={onClose} autoFocus>
            Got it
          </button>
        </div>
      </div>
    </div>
  );
}
