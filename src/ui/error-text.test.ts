import { describe, expect, it } from 'vitest';
import { errorText } from './error-text';

describe('errorText', () => {
  it.each(['AbortError', 'CancelledError'])('never shows %s', (name) => {
    expect(errorText({ name, message: 'x' })).toBeNull();
  });

  it.each([
    ['OnnxParseError', 'not an ONNX model'],
    ['ExternalDataMissingError', 'external-data'],
    ['WorkerCrashedError', 'stopped unexpectedly'],
    ['OutOfMemoryError', 'ran out of memory'],
  ])('maps %s to user text and keeps the detail', (name, text) => {
    const t = errorText({ name, message: 'missing: a.bin' });
    expect(t?.title).toContain(text);
    expect(t?.detail).toBe('missing: a.bin');
  });

  it('falls back for unknown errors', () => {
    expect(errorText({ name: 'TypeError', message: 'boom' })).toEqual({
      title: 'Something went wrong.',
      detail: 'boom',
    });
  });
});
