import type { ReactNode } from 'react';

export function Section({ title, children, actions }: { title: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="section">
      <header className="section__head">
        <h3 className="section__title">{title}</h3>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function IconButton({ label, onClick, testId, children, disabled }: { label: string; onClick: () => void; testId?: string; children: ReactNode; disabled?: boolean }) {
  return (
    <button type="button" className="icon-btn" aria-label={label} title={label} data-testid={testId} onClick={onClick} disabled={disabled}>
      {children}
    </button>
  );
}
