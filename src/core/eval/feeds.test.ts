import { describe, expect, it } from 'vitest';
import { npzSampleSet, sampleArray } from '../../../test/support/sample-sets';
import type { SampleArray } from '../samples';
import { constantFeed, defaultDims, isStateInput, planFeeds, toFeedData } from './feeds';
import type { TensorSpec } from './types';

const set = (arrays: SampleArray[], count = 2) => npzSampleSet(arrays, count);

const ids = (name: string | null = 'input_ids') => sampleArray(name, 'int64', [1, 2, 3, 4, 5, 6], [3]);
const mask = (name = 'attention_mask') => sampleArray(name, 'int64', [1, 1, 0, 1, 1, 1], [3]);
const spec = (name: string, dtype = 'int64', shape: TensorSpec['shape'] = ['batch', 'seq']): TensorSpec => ({
  name,
  dtype,
  shape,
});

describe('planFeeds: which array feeds which input', () => {
  it.each<[string, TensorSpec[], SampleArray[], Record<string, string>]>([
    [
      'by name, any order',
      [spec('input_ids'), spec('attention_mask')],
      [mask(), ids()],
      { input_ids: 'array:name', attention_mask: 'array:name' },
    ],
    ['by name, any case', [spec('Input_IDs')], [ids()], { Input_IDs: 'array:name' }],
    [
      'unnamed in order',
      [spec('x'), spec('y')],
      [ids(null), mask('m')],
      { x: 'array:order', y: 'array:order' },
    ],
    [
      'a mask not given: ones',
      [spec('input_ids'), spec('attention_mask')],
      [ids()],
      { input_ids: 'array:name', attention_mask: 'default:1' },
    ],
    [
      'token_type_ids not given: zeros',
      [spec('input_ids'), spec('token_type_ids')],
      [ids()],
      { input_ids: 'array:name', token_type_ids: 'default:0' },
    ],
    [
      'recurrent state not given: zeros, and never taken by order',
      [
        spec('x', 'float32', ['N', 3]),
        spec('h0', 'float32', [1, 'N', 4]),
        spec('c0', 'float32', [1, 'N', 4]),
      ],
      [sampleArray('feat', 'float32', [1, 2, 3, 4, 5, 6], [3])],
      { x: 'array:order', h0: 'default:0', c0: 'default:0' },
    ],
    [
      'as many arrays as inputs: state inputs taken in order too (test data sets)',
      [spec('x', 'float32', ['N', 3]), spec('state', 'float32', ['N', 3])],
      [
        sampleArray(null, 'float32', [1, 2, 3, 4, 5, 6], [3]),
        sampleArray(null, 'float32', [0, 0, 0, 0, 0, 0], [3]),
      ],
      { x: 'array:order', state: 'array:order' },
    ],
  ])('%s', (_, inputs, arrays, want) => {
    const plan = planFeeds(inputs, set(arrays), null, 'm');
    const got = Object.fromEntries(
      plan.feeds.map((f) => [
        f.input.name,
        f.source.kind === 'array'
          ? `array:${f.source.matchedBy}`
          : f.source.kind === 'default'
            ? `default:${f.source.value}`
            : 'images',
      ]),
    );
    expect(got).toEqual(want);
  });

  it.each<[string, TensorSpec[], SampleArray[], RegExp]>([
    [
      'a string input',
      [spec('text', 'string', ['N'])],
      [ids()],
      /input 'text' is string; the evaluator feeds numeric tensors only/,
    ],
    [
      'no array for any input',
      [spec('h', 'float32', [1, 4]), spec('c', 'float32', [1, 4])],
      [ids('input_ids')],
      /none of the sample arrays \('input_ids'\) matches an input \('h', 'c'\)/,
    ],
    [
      'a shape mismatch',
      [spec('input_ids', 'int64', ['batch', 5])],
      [ids()],
      /input_ids.npy: each sample has shape \[3\] but model input 'input_ids' expects \[batch,5\]/,
    ],
    [
      'inputs that batch differently',
      [spec('input_ids', 'int64', [1, 3]), spec('attention_mask', 'int64', ['N', 3])],
      [ids(), mask()],
      /input 'attention_mask' batches as dynamic, input 'input_ids' as fixed 1/,
    ],
  ])('rejects %s', (_, inputs, arrays, message) => {
    expect(() => planFeeds(inputs, set(arrays), null, 'm')).toThrow(message);
  });

  it('notes arrays no input takes', () => {
    const plan = planFeeds([spec('input_ids')], set([ids(), mask()]), null, 'm');
    expect(plan.notes).toContain("not fed (no model input of that name left): 'attention_mask'");
  });
});

describe('toFeedData: values in the input dtype', () => {
  it.each<[string, number[], unknown]>([
    ['int64', [1, 2, 30522], BigInt64Array.of(1n, 2n, 30522n)],
    ['int32', [-1, 7], Int32Array.of(-1, 7)],
    ['uint8', [0, 255], Uint8Array.of(0, 255)],
    ['bool', [0, 2, -1], Uint8Array.of(0, 1, 1)],
    ['float32', [0.5, 1.5], Float32Array.of(0.5, 1.5)],
    ['float64', [0.1], Float64Array.of(0.1)],
    ['float16', [1, -2], Uint16Array.of(0x3c00, 0xc000)],
  ])('%s', (dtype, values, want) => {
    expect(toFeedData(Float64Array.from(values), dtype, 'x')).toEqual(want);
  });

  it.each<[string, number[], RegExp]>([
    ['int64', [1.5], /value 1.5 at index 0 is not a whole number in int64's range/],
    ['uint8', [256], /value 256 at index 0 is not a whole number in uint8's range.*range 0\.\.255/],
    ['int8', [-129], /value -129/],
    ['complex64', [1], /cannot feed dtype complex64/],
  ])('rejects %s %j', (dtype, values, message) => {
    expect(() => toFeedData(Float64Array.from(values), dtype, "input 'x'")).toThrow(message);
  });
});

describe('inputs with no data', () => {
  const ids4 = spec('input_ids', 'int64', ['batch', 'seq']);
  it.each<[TensorSpec, number[]]>([
    [spec('attention_mask', 'int64', ['batch', 'seq']), [4, 12]], // shared symbols
    [spec('h0', 'float32', [2, 'batch', 64]), [2, 4, 64]], // the batch symbol anywhere
    [spec('mask', 'int64', [null, null]), [4, 12]], // same rank: by position
    [spec('state', 'float32', [null, 8, null]), [1, 8, 1]], // nothing to go by: 1
  ])('%s gets dims %j', (input, dims) => {
    expect(defaultDims(input, ids4, [4, 12])).toEqual(dims);
  });

  it('fills zeros or ones in the input dtype', () => {
    expect(constantFeed(1, 'int64', [2, 2], 'm')).toEqual({
      dtype: 'int64',
      dims: [2, 2],
      data: BigInt64Array.of(1n, 1n, 1n, 1n),
    });
    expect(constantFeed(0, 'float32', [3], 'h')).toEqual({
      dtype: 'float32',
      dims: [3],
      data: new Float32Array(3),
    });
  });

  it.each([
    ['h', true],
    ['c0', true],
    ['state', true],
    ['hidden_in', true],
    ['past_key_values.0.key', true],
    ['input_ids', false],
    ['attention_mask', false],
    ['x', false],
  ])('%s is recurrent state: %s', (name, state) => expect(isStateInput(name)).toBe(state));
});
