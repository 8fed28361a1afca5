import { useId } from 'react';

interface SegmentedProps<T extends string> {
  label: string;
  value: T;
  options: readonly { value: T; label: string; disabled?: boolean; title?: string }[];
  onChange: (value: T) => void;
  testId?: string;
}

/** A small radio group styled as a segmented control (keyboard: Tab to it, arrows to move). */
export function Segmented<T extends string>({ label, value, options, onChange, testId }: SegmentedProps<T>) {
  const name = useId();
  return (
    <fieldset className="segmented" data-testid={testId}>
      <legend className="visually-hidden">{label}</legend>
      {options.map((o) => (
        <label key={o.value} className={o.value === value ? 'is-on' : undefined} title={o.title}>
          <input
            type="radio"
            name={name}
            value={o.value}
            disabled={o.disabled}
            checked={o.value === value}
            onChange={() => onChange(o.value)}
          />
          <span>{o.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
