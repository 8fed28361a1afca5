import { describe, expect, it } from 'vitest';
import { decibelText, formatBytes, scientificText } from './format';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [10 * 1024, '10.0 KiB'],
    [100 * 1024, '100 KiB'],
    [1024 * 1024 - 1, '1024 KiB'],
    [1024 * 1024, '1.00 MiB'],
    [4.5 * 1024 ** 3, '4.50 GiB'],
    [NaN, '–'],
    [Infinity, '–'],
  ])('%d bytes -> %s', (n, text) => expect(formatBytes(n)).toBe(text));
});

describe('decibelText', () => {
  it.each([
    [12.345, '12.3'],
    [-3.05, '-3.0'],
    [Infinity, '∞'],
    [-Infinity, '−∞'],
    [NaN, 'NaN'],
  ])('%d dB -> %s', (x, text) => expect(decibelText(x)).toBe(text));
});

describe('scientificText', () => {
  it.each([
    [0, '0'],
    [0.000123456, '1.23e-4'],
    [-98765, '-9.88e+4'],
    [Infinity, 'Infinity'],
    [NaN, 'NaN'],
    [null, '–'],
  ])('%s -> %s', (x, text) => expect(scientificText(x)).toBe(text));
});
