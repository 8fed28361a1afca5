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
      {/* Scaled, not resized: a transform animates on the compositor, a width change lays out and paints the
          page's main thread every frame of the transition (issue 10). */}
      <div
        className="progress-fill"
        style={pct === undefined ? undefined : { transform: `scaleX(${pct / 100})` }}
      />
    </div>
  );
}
