// Deterministic hostile-file corpus: real models and fixtures truncated, bit-flipped and structurally mutated.
// Shared by the core fuzz test and the CLI fuzz test so both see the same cases (fixed seed, fixed count).
import { clone, create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ModelProtoSchema, StringStringEntryProtoSchema, type ModelProto, type TensorProto } from 'onnx-buf';

const entry = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
import { REPO_ROOT, testModel } from '../paths';
import { rng } from '../support/random';

/** The CI corpus: fixed seed and size (docs/reliability.md reports what it found). */
export const FUZZ_SEED = 0x5eed13;
export const FUZZ_COUNT = 1200;

export interface FuzzCase {
  /** Stable id, e.g. `mnist-8/truncate@1234`. */
  id: string;
  bytes: Uint8Array;
}

/** Models small enough to quantize hundreds of times in a CI run (squeezenet is truncated only). */
export function corpusSources(): { name: string; bytes: Uint8Array; quantizable: boolean }[] {
  const fixture = (n: string) => resolve(REPO_ROOT, 'test/fixtures/models', n, 'model.onnx');
  return [
    { name: 'iris-mlp-winml', path: testModel('iris-mlp-winml/model.onnx'), quantizable: true },
    { name: 'mnist-8', path: testModel('mnist-8/model.onnx'), quantizable: true },
    { name: 'mnist-onnx-mlir', path: testModel('mnist-onnx-mlir/model.onnx'), quantizable: true },
    { name: 'fixture-dwcnn', path: fixture('dwcnn'), quantizable: true },
    { name: 'fixture-tinytf', path: fixture('tinytf'), quantizable: true },
    {
      name: 'squeezenet-fp16',
      path: testModel('squeezenet1.0-fp16-winml/model_fp16.onnx'),
      quantizable: false,
    },
  ].map((s) => ({ name: s.name, bytes: new Uint8Array(readFileSync(s.path)), quantizable: s.quantizable }));
}

type Mutation = (m: ModelProto, pick: <T>(xs: readonly T[]) => T) => string | null;

const inits = (m: ModelProto) => m.graph?.initializer ?? [];
const withInit =
  (fn: (t: TensorProto, pick: <T>(xs: readonly T[]) => T) => string): Mutation =>
  (m, pick) => {
    const all = inits(m).filter((t) => t.dims.length > 0);
    return all.length ? fn(pick(all), pick) : null;
  };

/** Structural mutations: each breaks one rule a reader must check (the name says which). */
export const MUTATIONS: Record<string, Mutation> = {
  'dim-negative': withInit((t) => ((t.dims[0] = -3n), t.name)),
  'dim-huge': withInit((t) => ((t.dims[0] = 1n << 60n), t.name)),
  'dims-overflow-safe-int': withInit((t) => ((t.dims = [1n << 30n, 1n << 30n, 1n << 10n]), t.name)),
  'dims-huge-but-safe': withInit((t) => ((t.dims = [1n << 26n, 1n << 26n]), t.name)),
  'dim-zero': withInit((t) => ((t.dims[0] = 0n), t.name)),
  'dim-doubled': withInit((t) => ((t.dims[0] *= 2n), t.name)),
  'dim-extra-axis': withInit((t) => (t.dims.push(3n), t.name)),
  'raw-short': withInit((t) => {
    if (t.rawData.byteLength) t.rawData = t.rawData.slice(0, Math.floor(t.rawData.byteLength / 2));
    else if (t.floatData.length) t.floatData = t.floatData.slice(0, Math.floor(t.floatData.length / 2));
    return t.name;
  }),
  'raw-long': withInit((t) => {
    if (t.rawData.byteLength) t.rawData = new Uint8Array(t.rawData.byteLength + 4);
    else t.floatData = [...t.floatData, 1, 2];
    return t.name;
  }),
  'dtype-unknown': withInit((t) => ((t.dataType = 99), t.name)),
  'dtype-zero': withInit((t) => ((t.dataType = 0), t.name)),
  'dtype-string': withInit((t) => ((t.dataType = 8), t.name)),
  'dtype-int64': withInit((t) => ((t.dataType = 7), t.name)),
  'dtype-float8': withInit((t) => ((t.dataType = 17), t.name)),
  'external-traversal': withInit((t, pick) => {
    t.dataLocation = 1;
    t.externalData = [entry('location', pick(['../secret.bin', '/etc/passwd', 'a/../../x', 'C:\\x']))];
    return t.name;
  }),
  'external-missing': withInit((t) => {
    t.dataLocation = 1;
    t.externalData = [entry('location', 'weights.bin')];
    return t.name;
  }),
  'dangling-input': (m, pick) => {
    const nodes = (m.graph?.node ?? []).filter((n) => n.input.length > 0);
    if (!nodes.length) return null;
    const n = pick(nodes);
    n.input[0] = 'no_such_value';
    return n.name || n.opType;
  },
  cycle: (m) => {
    const nodes = m.graph?.node ?? [];
    if (nodes.length < 2) return null;
    nodes[0].input[0] = nodes[nodes.length - 1].output[0];
    return 'first node reads the last output';
  },
  'no-initializers': (m) => {
    if (!m.graph) return null;
    m.graph.initializer = [];
    return 'all initializers dropped';
  },
  'no-nodes': (m) => {
    if (!m.graph) return null;
    m.graph.node = [];
    return 'all nodes dropped';
  },
  'unknown-op': (m, pick) => {
    const nodes = m.graph?.node ?? [];
    if (!nodes.length) return null;
    const n = pick(nodes);
    n.opType = 'NoSuchOp';
    return n.name || '#';
  },
  'opset-absurd': (m, pick) => {
    const o = m.opsetImport[0];
    if (!o) return null;
    o.version = pick([-1n, 0n, 1n, 10_000n, 1n << 62n]);
    return String(o.version);
  },
  'opset-none': (m) => ((m.opsetImport = []), 'no opset_import'),
  'ir-version-absurd': (m, pick) => ((m.irVersion = pick([-5n, 0n, 1n << 62n])), String(m.irVersion)),
  'html-names': (m) => {
    for (const t of inits(m)) t.name = `<img src=x onerror=alert(1)>${t.name}`;
    return 'initializer names with HTML';
  },
  'perm-out-of-range': (m) => {
    const tr = m.graph?.node.find((n) => n.opType === 'Transpose');
    const a = tr?.attribute.find((x) => x.name === 'perm');
    if (!a) return null;
    a.ints = a.ints.map(() => 7n);
    return tr!.name;
  },
};

/** Builds `count` cases from the sources: byte truncations, bit flips, and structural mutations. */
export function buildCorpus(seed: number, count: number): FuzzCase[] {
  const next = rng(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const sources = corpusSources();
  const decoded = new Map(sources.map((s) => [s.name, fromBinary(ModelProtoSchema, s.bytes)]));
  const names = Object.keys(MUTATIONS);
  const cases: FuzzCase[] = [];
  for (let i = 0; cases.length < count; i++) {
    const kind = i % 4; // truncate, flip, mutate, mutate+truncate
    const src = kind === 0 ? pick(sources) : pick(sources.filter((s) => s.quantizable));
    if (kind === 0) {
      const at = int(src.bytes.byteLength);
      cases.push({ id: `${src.name}/truncate@${at}`, bytes: src.bytes.slice(0, at) });
    } else if (kind === 1) {
      const bytes = src.bytes.slice();
      const flips = 1 + int(8);
      const where: number[] = [];
      for (let f = 0; f < flips; f++) {
        // bias half the flips to the first 2 KB, where the graph structure (not weight bytes) lives
        const at = next() < 0.5 ? int(Math.min(2048, bytes.byteLength)) : int(bytes.byteLength);
        bytes[at] ^= 1 << int(8);
        where.push(at);
      }
      cases.push({ id: `${src.name}/flip@${where.join(',')}`, bytes });
    } else {
      const m = clone(ModelProtoSchema, decoded.get(src.name)!);
      const name = names[(i >> 2) % names.length];
      const what = MUTATIONS[name](m, pick);
      if (what === null) continue;
      let id = `${src.name}/${name}(${what})`;
      if (kind === 3) {
        // a second, random mutation on top: combinations are where readers tend to miss a check
        const second = pick(names);
        const also = MUTATIONS[second](m, pick);
        if (also !== null) id += `+${second}(${also})`;
      }
      cases.push({ id, bytes: toBinary(ModelProtoSchema, m) });
    }
  }
  return cases;
}
