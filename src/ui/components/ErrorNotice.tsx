import type { ReactNode } from 'react';
import type { UiError } from '../../state';
import { errorText } from '../error-text';

interface ErrorNoticeProps {
  error: UiError;
  /** What was being done, e.g. `Couldn't open “model.onnx”`. */
  context?: string;
  testId?: string;
  children?: ReactNode;
}

/** An error shown in place, with the user text from error-text.ts and the technical detail. Aborts render nothing. */
export function ErrorNotice({ error, context, testId, children }: ErrorNoticeProps) {
  const text = errorText(error);
  if (!text) return null;
  return (
    <div className="notice notice-error" role="alert" data-testid={testId} data-error-name={error.name}>
      <p className="notice-title">
        {context && <strong>{context}: </strong>}
        {text.title}
      </p>
      {text.detail && <p className="notice-detail">{text.detail}</p>}
      {children}
    </div>
  );
}
