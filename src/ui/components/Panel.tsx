import type { ReactNode } from 'react';

interface PanelProps {
  title: ReactNode;
  /** Short line under the title. */
  subtitle?: ReactNode;
  /** Controls on the right of the title (toggles, selects). */
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
  status?: string;
  id?: string;
}

/** A titled card. Renders a <section> labelled by its heading, so it is a landmark for screen readers. */
export function Panel({ title, subtitle, actions, children, className, testId, status, id }: PanelProps) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section
      className={`panel ${className ?? ''}`}
      data-testid={testId}
      data-status={status}
      id={id}
      aria-labelledby={headingId}
    >
      <header className="panel-head">
        <div>
          <h2 id={headingId}>{title}</h2>
          {subtitle && <p className="panel-sub">{subtitle}</p>}
        </div>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
