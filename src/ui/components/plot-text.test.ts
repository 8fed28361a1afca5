import { describe, expect, it } from 'vitest';
import { escapePlotText, escapeTraces, unescapePlotText, unescapePoint } from './plot-text';

describe('plot text escaping', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['a&b', 'a&amp;b'],
    ['&lt;', '&amp;lt;'],
    ['conv1.weight', 'conv1.weight'],
  ])('%s', (raw, escaped) => {
    expect(escapePlotText(raw)).toBe(escaped);
    expect(unescapePlotText(escaped)).toBe(raw);
  });

  it('escapes data strings of traces, leaves templates, numbers and the input alone', () => {
    const input = [
      {
        name: '<b>w</b>',
        x: ['<script>', 'ok'],
        y: [1, 2],
        customdata: [['<i>', 3]],
        hovertemplate: '%{x}<br>%{y}<extra></extra>',
      },
    ];
    const [t] = escapeTraces(input as never);
    expect(t).toMatchObject({
      name: '&lt;b&gt;w&lt;/b&gt;',
      x: ['&lt;script&gt;', 'ok'],
      y: [1, 2],
      customdata: [['&lt;i&gt;', 3]],
      hovertemplate: '%{x}<br>%{y}<extra></extra>',
    });
    expect(input[0].name).toBe('<b>w</b>');
    expect(unescapePoint({ x: '&lt;script&gt;', pointIndex: 0 })).toEqual({ x: '<script>', pointIndex: 0 });
  });
});
