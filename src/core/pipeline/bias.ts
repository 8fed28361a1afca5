// Empirical bias correction in the exported graph: each corrected layer's output mean over the calibration inputs
// moves back to the float layer's. By linearity the mean of W·x − Ŵ·x over the captured vectors x is (W − Ŵ)·E[x],
// so the mean input vector captured with the Hessians is all it needs (no second pass over the data).
import type { GraphProto, ModelProto, NodeProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { makeNode } from '../export/nodes';
import { shallowCopy } from '../onnx/proto';
import { makeFloat32Tensor, readTensorAsFloat32, tensorDims, tensorDtype } from '../onnx/tensor';
import type { OnnxModel, WeightInfo } from '../onnx/types';

/**
 * (W − Ŵ)·E[x] per output channel, with `values` and `dequantized` in the weight's `w.shape` layout and `means`
 * the mean input vector per Hessian (one for MatMul/Gemm; one per group for a Conv, over its [C/g, ...kernel]
 * patch, padding included as zeros like the convolution sees it).
 */
export function outputShift(
  values: Float32Array,
  dequantized: Float32Array,
  w: WeightInfo,
  means: readonly ArrayLike<number>[],
): Float64Array {
  const rank = w.shape.length;
  const ch = w.channelAxis < 0 ? w.channelAxis + rank : w.channelAxis;
  const rows = w.shape[ch];
  const cols = values.length / rows;
  const fits =
    (w.op === 'Conv' || w.op === 'Gemm' || w.op === 'MatMul') &&
    (rank === 2 || (w.op === 'Conv' && ch === 0)) &&
    means.length >= 1 &&
    rows % means.length === 0 &&
    means.every((m) => m.length === cols) &&
    dequantized.length === values.length;
  if (!fits) {
    throw new StudioError(
      'UnsupportedModelError',
      `${w.name}: no bias correction for a ${w.op} weight [${w.shape.join(', ')}] with ${means.length} mean input(s)`,
    );
  }
  const shift = new Float64Array(rows);
  const per = rows / means.length;
  // Element (r, c) of the row view: row-major when the output axis comes first, else W [K, N] with r = n.
  const rowFirst = ch === 0;
  for (let r = 0; r < rows; r++) {
    const mu = means[Math.floor(r / per)];
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const i = rowFirst ? r * cols + c : c * rows + r;
      s += (values[i] - dequantized[i]) * mu[c];
    }
    shift[r] = s;
  }
  return shift;
}

export interface BiasEdit {
  weight: WeightInfo;
  /** Added to the layer's output, per output channel. */
  shift: Float64Array;
}

const attrF = (node: NodeProto, name: string, dflt: number) =>
  node.attribute.find((a) => a.name === name)?.f ?? dflt;

/** Is `name` read by any node (subgraphs included) or a graph output? */
function referenced(graph: GraphProto, name: string): boolean {
  if (graph.output.some((o) => o.name === name)) return true;
  return graph.node.some(
    (n) => n.input.includes(name) || n.attribute.some((a) => (a.g ? referenced(a.g, name) : false)),
  );
}

/**
 * Writes each edit's shift into `proto` (the exported model; nodes still produce the original output names):
 * Conv and Gemm get their bias input added to (or created), a MatMul X·W gets an Add of a new bias after it.
 * A layer that cannot be corrected (weight in a subgraph, shared, a computed or non-float32 bias, a Gemm with a
 * row-wise C) is left alone and named in the notes. `source` resolves biases kept in external data files.
 */
export async function applyBiasCorrection(
  proto: ModelProto,
  source: OnnxModel,
  edits: BiasEdit[],
): Promise<{ proto: ModelProto; notes: string[] }> {
  const graph = proto.graph!;
  const nodes = [...graph.node];
  let initializer = [...graph.initializer];
  const names = new Set([
    ...initializer.map((t) => t.name),
    ...nodes.flatMap((n) => [...n.input, ...n.output]),
    ...graph.input.map((i) => i.name),
  ]);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 1; names.has(name); k++) name = `${base}_${k}`;
    names.add(name);
    return name;
  };
  const skipped: string[] = [];
  const replaced = new Set<string>();
  let corrected = 0;
  let created = 0;
  let largest = 0;
  const sourceGraph = source.proto.graph!;
  for (const { weight: w, shift } of edits) {
    const skip = (why: string) => skipped.push(`${w.name} (${why})`);
    if (w.graphPath.length > 0) {
      skip('inside a subgraph');
      continue;
    }
    if (w.consumers !== 1) {
      skip(`read by ${w.consumers} ops`);
      continue;
    }
    if (w.opDtype !== 'float32') {
      skip(`the op computes in ${w.opDtype}`);
      continue;
    }
    const out = sourceGraph.node[w.nodeIndex]?.output[0];
    const k = nodes.findIndex((n) => n.output[0] === out);
    if (!out || k < 0) {
      skip('its op is not in the exported graph');
      continue;
    }
    const node = nodes[k];
    const n = shift.length;
    if (w.op === 'MatMul') {
      if (w.inputIndex !== 1 || w.shape.length !== 2) {
        skip('the weight is the left operand: its bias would run along rows');
        continue;
      }
      const bias = fresh(`${w.name}_bias_correction`);
      const before = fresh(`${out}_before_bias_correction`);
      initializer.push(makeFloat32Tensor(bias, [n], Float32Array.from(shift)));
      nodes[k] = shallowCopy(node, { output: [before, ...node.output.slice(1)] });
      nodes.splice(
        k + 1,
        0,
        makeNode('Add', [before, bias], [out], { name: fresh(`${node.name}_bias_correction`) }),
      );
      created++;
    } else {
      if (w.op === 'Gemm' && w.inputIndex !== 1) {
        skip('the weight is Gemm input A: its bias would run along rows');
        continue;
      }
      // Gemm adds β·C: the shift goes in as shift/β.
      const beta = w.op === 'Gemm' ? attrF(node, 'beta', 1) : 1;
      if (beta === 0) {
        skip('Gemm beta is 0');
        continue;
      }
      const oldName = node.input[2] ?? '';
      let old: Float32Array | null = null;
      if (oldName !== '') {
        const t = initializer.find((x) => x.name === oldName);
        if (!t) {
          skip('its bias is computed in the graph, not a stored tensor');
          continue;
        }
        const dims = tensorDims(t);
        const size = dims.reduce((a, b) => a * b, 1);
        const rowLike = dims.length <= 1 || (dims.length === 2 && dims[0] === 1);
        if (tensorDtype(t) !== 'float32' || !(size === 1 || (size === n && rowLike))) {
          skip(`its bias is ${tensorDtype(t)} [${dims.join(', ')}], not float32 [${n}]`);
          continue;
        }
        old = await readTensorAsFloat32(source, t);
        replaced.add(oldName);
      }
      const values = Float32Array.from(shift, (s, i) => (old ? old[old.length === 1 ? 0 : i] : 0) + s / beta);
      const bias = fresh(`${w.name}_bias_corrected`);
      initializer.push(makeFloat32Tensor(bias, [n], values));
      const input = [...node.input];
      while (input.length < 3) input.push('');
      input[2] = bias;
      nodes[k] = shallowCopy(node, { input });
      if (!old) created++;
    }
    corrected++;
    for (const s of shift) largest = Math.max(largest, Math.abs(s));
  }
  const next = shallowCopy(graph, { node: nodes, initializer });
  // Biases the corrected ones replaced are dropped unless something else still reads them.
  initializer = initializer.filter((t) => !replaced.has(t.name) || referenced(next, t.name));
  const notes = [
    `bias correction: ${corrected} of ${edits.length} layers shifted by (W − Ŵ)·E[x] over the calibration inputs (largest |shift| ${largest.toPrecision(3)}; ${created} bias${created === 1 ? '' : 'es'} created)`,
    ...(skipped.length ? [`bias correction left unchanged: ${skipped.join('; ')}`] : []),
  ];
  return {
    proto: shallowCopy(proto, { graph: shallowCopy(next, { initializer }) }),
    notes,
  };
}
