import { describe, expect, it } from 'vitest';
import { addMatMulActivation, HessianAccumulator } from './hessian';
import { uniformArray } from '../../../test/support/random';
import {
  ConvHessian,
  convGeometry,
  im2col,
  outputPositions,
  patchLength,
  type ConvAttributes,
} from './im2col';

const randomArray = uniformArray;

/** Coordinates of every point of a box, row-major. */
function* box(dims: number[]): Generator<number[]> {
  const idx = dims.map(() => 0);
  if (dims.some((d) => d === 0)) return;
  for (;;) {
    yield idx.slice();
    let a = dims.length - 1;
    while (a >= 0 && ++idx[a] === dims[a]) idx[a--] = 0;
    if (a < 0) return;
  }
}

/** Direct convolution of one sample, written from the ONNX Conv definition (no im2col). Returns [O, ...out]. */
function directConv(
  x: Float64Array,
  w: Float64Array,
  outChannels: number,
  inDims: number[],
  attrs: ConvAttributes,
): { y: number[]; out: number[] } {
  const g = convGeometry([1, ...inDims], attrs);
  const [c, ...spatial] = inDims;
  const cg = c / g.group;
  const og = outChannels / g.group;
  const r = spatial.length;
  const y: number[] = [];
  const at = (ch: number, p: number[]) => p.reduce((acc, v, a) => acc * spatial[a] + v, ch);
  const wAt = (o: number, ci: number, k: number[]) =>
    k.reduce((acc, v, a) => acc * g.kernel[a] + v, o * cg + ci);
  for (let o = 0; o < outChannels; o++) {
    const grp = Math.floor(o / og);
    for (const p of box(g.output)) {
      let s = 0;
      for (let ci = 0; ci < cg; ci++) {
        for (const k of box(g.kernel)) {
          const pos = p.map((v, a) => v * g.strides[a] - g.pads[a] + k[a] * g.dilations[a]);
          if (pos.some((v, a) => v < 0 || v >= spatial[a])) continue;
          s += w[wAt(o, ci, k)] * x[at(grp * cg + ci, pos)];
        }
      }
      y.push(s);
    }
  }
  expect(r).toBe(g.kernel.length);
  return { y, out: g.output };
}

interface ConvCase {
  name: string;
  inDims: number[]; // [C, ...spatial]
  outChannels: number;
  attrs: ConvAttributes;
  out: number[];
}

const CASES: ConvCase[] = [
  {
    name: '1-D, pads 2/1',
    inDims: [3, 9],
    outChannels: 4,
    attrs: { kernelShape: [3], pads: [2, 1] },
    out: [10],
  },
  {
    name: '2-D stride 2, pads 1',
    inDims: [2, 7, 6],
    outChannels: 3,
    attrs: { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    out: [4, 3],
  },
  {
    name: '2-D dilation 2, asymmetric pads',
    inDims: [2, 8, 7],
    outChannels: 2,
    attrs: { kernelShape: [3, 2], dilations: [2, 3], pads: [0, 1, 2, 0] },
    out: [6, 5],
  },
  {
    name: '2-D group 2',
    inDims: [4, 5, 5],
    outChannels: 6,
    attrs: { kernelShape: [3, 3], pads: [1, 1, 1, 1], group: 2 },
    out: [5, 5],
  },
  {
    name: 'depthwise stride 2 (group = C)',
    inDims: [5, 7, 7],
    outChannels: 5,
    attrs: { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 5 },
    out: [4, 4],
  },
  {
    name: 'depthwise multiplier 2',
    inDims: [3, 6, 5],
    outChannels: 6,
    attrs: { kernelShape: [2, 3], group: 3 },
    out: [5, 3],
  },
  {
    name: 'SAME_UPPER, stride 2, even kernel',
    inDims: [2, 7, 8],
    outChannels: 2,
    attrs: { kernelShape: [4, 2], strides: [2, 3], autoPad: 'SAME_UPPER' },
    out: [4, 3],
  },
  {
    name: 'SAME_LOWER, stride 2, even kernel',
    inDims: [2, 7, 8],
    outChannels: 2,
    attrs: { kernelShape: [4, 2], strides: [2, 3], autoPad: 'SAME_LOWER' },
    out: [4, 3],
  },
  {
    name: 'VALID',
    inDims: [1, 6, 6],
    outChannels: 2,
    attrs: { kernelShape: [3, 3], autoPad: 'VALID' },
    out: [4, 4],
  },
  {
    name: '3-D, stride and pad',
    inDims: [2, 4, 5, 3],
    outChannels: 2,
    attrs: { kernelShape: [2, 3, 2], strides: [1, 2, 1], pads: [1, 0, 1, 0, 1, 0] },
    out: [4, 2, 3],
  },
];

describe('im2col', () => {
  it.each(CASES)('$name: patches × weight rows equal a direct convolution', (c) => {
    const x = randomArray(
      c.inDims.reduce((a, b) => a * b, 1),
      1,
    );
    const g = convGeometry([1, ...c.inDims], c.attrs);
    expect(g.output).toEqual(c.out);
    const len = patchLength(g);
    const w = randomArray(c.outChannels * len, 2);
    const { y } = directConv(x, w, c.outChannels, c.inDims, c.attrs);
    const positions = outputPositions(g);
    const og = c.outChannels / g.group;
    for (let grp = 0; grp < g.group; grp++) {
      const patches = im2col(x, g, grp);
      for (let o = grp * og; o < (grp + 1) * og; o++) {
        for (let p = 0; p < positions; p++) {
          let s = 0;
          for (let i = 0; i < len; i++) s += patches[p * len + i] * w[o * len + i];
          expect(s).toBeCloseTo(y[o * positions + p], 12);
        }
      }
    }
  });

  it.each(CASES)('$name: ConvHessian holds Σ patchᵀ·patch per group over a batch', (c) => {
    const n = 2;
    const sample = c.inDims.reduce((a, b) => a * b, 1);
    const x = Float32Array.from(randomArray(n * sample, 3));
    const g = convGeometry([n, ...c.inDims], c.attrs);
    const conv = new ConvHessian(g, 'conv');
    conv.add(x, [n, ...c.inDims]);
    const len = patchLength(g);
    const positions = outputPositions(g);
    for (let grp = 0; grp < g.group; grp++) {
      const want = new Float64Array(len * len);
      for (let s = 0; s < n; s++) {
        const p = im2col(x.subarray(s * sample, (s + 1) * sample), g, grp);
        for (let q = 0; q < positions; q++)
          for (let i = 0; i < len; i++)
            for (let j = 0; j < len; j++) want[i * len + j] += p[q * len + i] * p[q * len + j];
      }
      const got = conv.groups[grp].hessian();
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 10));
      expect(conv.groups[grp].vectors).toBe(n * positions);
    }
  });

  it('refuses an activation of another shape, and bad attributes', () => {
    const g = convGeometry([1, 2, 5, 5], { kernelShape: [3, 3] });
    expect(() => new ConvHessian(g, 'c').add(new Float32Array(2 * 25), [1, 2, 5, 4])).toThrow(
      /does not match/,
    );
    expect(() => convGeometry([1, 3, 5, 5], { kernelShape: [3, 3], group: 2 })).toThrow(/group 2/);
    expect(() => convGeometry([1, 3, 5], { kernelShape: [3, 3] })).toThrow(/does not match kernel/);
    expect(() => convGeometry([1, 3, 2, 2], { kernelShape: [3, 3] })).toThrow(/empty/);
  });
});

describe('HessianAccumulator', () => {
  it('streamed row by row equals XᵀX of the whole batch; the mean divides by the count', () => {
    const rows = 7;
    const k = 5;
    const x = randomArray(rows * k, 4);
    const acc = new HessianAccumulator(k);
    for (let r = 0; r < rows; r++) acc.add(x.subarray(r * k, (r + 1) * k), 1);
    const h = acc.hessian();
    const mean = acc.hessian(true);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += x[r * k + i] * x[r * k + j];
        expect(h[i * k + j]).toBeCloseTo(s, 12);
        expect(mean[i * k + j]).toBeCloseTo(s / rows, 12);
      }
    }
    const mu = acc.meanInput();
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += x[r * k + i];
      expect(mu[i]).toBeCloseTo(s / rows, 12);
    }
  });

  it('MatMul activations: [B, M, K] rows and transposed [B, K, N] columns give the same H', () => {
    const [b, m, k] = [2, 3, 4];
    const x = randomArray(b * m * k, 5);
    const xt = new Float64Array(x.length); // [b, k, m]
    for (let s = 0; s < b; s++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < k; j++) xt[(s * k + j) * m + i] = x[(s * m + i) * k + j];
    const a1 = new HessianAccumulator(k);
    addMatMulActivation(a1, x, [b, m, k]);
    const a2 = new HessianAccumulator(k);
    addMatMulActivation(a2, xt, [b, k, m], true);
    expect(a1.vectors).toBe(b * m);
    expect(a2.vectors).toBe(b * m);
    const h1 = a1.hessian();
    a2.hessian().forEach((v, i) => expect(v).toBeCloseTo(h1[i], 12));
  });

  it('names the layer for a NaN activation or a shape without the reduction dimension', () => {
    const acc = new HessianAccumulator(3, 'fc1');
    expect(() => acc.add([1, NaN, 2], 1)).toThrow(/fc1: activation NaN in calibration vector 0, element 1/);
    expect(() => addMatMulActivation(acc, new Float32Array(8), [2, 4])).toThrow(
      /fc1.*reduction dimension of 3/,
    );
    expect(() => new HessianAccumulator(0)).toThrow(/≥ 1 column/);
  });
});
