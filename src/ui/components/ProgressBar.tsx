interface ProgressBarProps {
  /** 0..1, or null for indeterminate. */
  value: number | null;
  label: string;
  testId?: string;
}

export function ProgressBar({ value, label, testId }: ProgressBarProps) {
  const pct = value === null ? undefined : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      data-testid={testId}
      data-indeterminate={value === null || undefined}
    >
      <div className="progress-fill" style={{ width: pct === undefined ? undefined : `${pct}%` }} />
    </div>
  );
}
