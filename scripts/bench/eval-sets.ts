// Benchmarks only: each model's evaluation and calibration sample folders, the large evaluation set when its source
// is on this machine (Fashion-MNIST's 10,000 test images from Debian's dataset-fashion-mnist; MNIST's t10k minus the
// calibration images, committed in test/data; tinytf's task regenerated 10× larger by the training script's own
// generator), else the committed set. Every folder holds one .npy per model input (inputs.npy for a one-input model)
// and labels.npy, the layout the studio's sample reader takes. Calibration and evaluation never share a sample: the
// loader checks it and says how in `note`, which the benchmark prints into its doc.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { parseIdx } from '../../src/core/samples/idx';
import { npyToFloat32, npyToLabels, parseNpy, type NpyArray } from '../../src/core/samples/npy';
import { buildNpy, bytesOf } from '../../test/fixtures/samples/entries';
import { splitSampleSet } from '../npy-split';
import {
  complementIndices,
  firstPerClass,
  maxAbsDiff,
  mnistNormalized,
  rowsFoundIn,
  takeRows,
} from './eval-split';

export interface EvalSplit {
  /** Folder of the evaluation samples. */
  evalDir: string;
  /** Folder of the calibration samples (what measured sensitivity and refinement read). */
  calibrationDir: string;
  evalCount: number;
  calibrationCount: number;
  /** True when the large set was used, false for the committed fallback. */
  large: boolean;
  /** One line for the doc: which evaluation set, which calibration set, and why they do not overlap. */
  note: string;
}

export interface EvalSetPaths {
  /** Trained fixtures (test/fixtures/models). */
  fixtures: string;
  /** Test models with their sample sets (test/paths.ts testModel(), or the shared folder). */
  models: string;
  /** Where the generated folders go (rewritten on every call). */
  tmp: string;
  /** Debian's Fashion-MNIST idx files. */
  fashion?: string;
  /** How many tinytf sequences to generate (the committed set is 1,000). */
  tinytfCount?: number;
}

export const FASHION = '/usr/share/datasets/fashion-mnist';
/** Images the shared MNIST sample set gives to calibration (its first 256), as the benchmarks always did. */
export const MNIST_CALIBRATION = 256;
const IRIS_CALIBRATION = 50;

const npy = (p: string) => parseNpy(new Uint8Array(readFileSync(p)), p);
const n0 = (a: NpyArray) => a.shape[0];
const fmt = (n: number) => n.toLocaleString('en-US');

/** Arrays of a sample folder: model inputs by file name (inputs.npy: the one input) and the labels. */
export function readSet(dir: string): { inputs: NpyArray[]; labels: Int32Array; count: number } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.npy') && f !== 'labels.npy');
  const inputs = files.sort().map((f) => ({ ...npy(join(dir, f)), name: f.slice(0, -4) }));
  const labels = npyToLabels(npy(join(dir, 'labels.npy')));
  return { inputs, labels, count: labels.length };
}

function writeSet(dir: string, arrays: Record<string, Uint8Array>): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(arrays)) writeFileSync(join(dir, `${name}.npy`), bytes);
  return dir;
}

const labelsNpy = (labels: ArrayLike<number>) =>
  buildNpy('<i8', [labels.length], bytesOf(BigInt64Array.from(Array.from(labels), BigInt)));

/** An .npz's arrays as loose .npy files (the tinytf fixture's sets). */
function unpackNpz(npz: string, dir: string): string {
  const files = unzipSync(new Uint8Array(readFileSync(npz)));
  return writeSet(
    dir,
    Object.fromEntries(Object.entries(files).map(([k, v]) => [k.replace(/\.npy$/, ''), v])),
  );
}

function fashionSplit(id: string, p: EvalSetPaths): EvalSplit {
  const calibrationDir = join(p.fixtures, id, 'calibration');
  const committed = join(p.fixtures, id, 'eval');
  const cal = npy(join(calibrationDir, 'inputs.npy'));
  const src = p.fashion ?? FASHION;
  const files = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => join(src, f));
  const calibration = `its own calibration set (${n0(cal)} Fashion-MNIST **training** images held out of training)`;
  if (!files.every(existsSync)) {
    const n = readSet(committed).count;
    return {
      evalDir: committed,
      calibrationDir,
      evalCount: n,
      calibrationCount: n0(cal),
      large: false,
      note: `the committed ${fmt(n)} Fashion-MNIST test images (\`dataset-fashion-mnist\` is not installed, so not the full 10,000-image test split); calibration: ${calibration}`,
    };
  }
  const [images, labels] = files.map((f) => parseIdx(new Uint8Array(readFileSync(f)), f));
  const per = 28 * 28;
  // The committed evaluation set must be the first 100 test images of each class: else this is not the same data.
  const sub = firstPerClass(labels.data, 100, 10);
  const old = readSet(committed);
  if (
    maxAbsDiff(takeRows(images.data, per, sub), old.inputs[0].data) !== 0 ||
    maxAbsDiff(takeRows(labels.data, 1, sub), old.labels) !== 0
  )
    throw new Error(
      `${src}: its test split does not hold ${committed} (first 100 per class): not the same data`,
    );
  const seen = rowsFoundIn(images.data, cal.data, per);
  const overlap = seen.length;
  const keep = complementIndices(images.dims[0], seen);
  const dir = writeSet(join(p.tmp, 'fashion-mnist-test'), {
    inputs: buildNpy('|u1', [keep.length, 1, 28, 28], takeRows(images.data, per, keep)),
    labels: labelsNpy(takeRows(labels.data, 1, keep)),
  });
  return {
    evalDir: dir,
    calibrationDir,
    evalCount: keep.length,
    calibrationCount: n0(cal),
    large: true,
    note:
      `the Fashion-MNIST **test** split (${fmt(keep.length)} images, from \`${src}\`; it contains the committed 1,000, checked)` +
      `; calibration: ${calibration}; ${overlap} test image(s) equal a calibration image byte for byte${overlap ? ' and were left out' : ''}`,
  };
}

function mnistSplit(id: string, p: EvalSetPaths): EvalSplit | null {
  const samples = join(p.models, id, 'samples');
  const split = splitSampleSet(samples, join(p.tmp, id), MNIST_CALIBRATION);
  if (!split) return null;
  const calibrationDir = join(split, 'calibration');
  const t10k = join(p.models, 'mnist-8', 'mnist_t10k');
  const files = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => join(t10k, f));
  const indexFile = join(p.models, 'mnist-8', 'samples', 'test_split_indices.npy');
  const calibration = `the first ${MNIST_CALIBRATION} images of the model's 1,000-image sample set`;
  if (![...files, indexFile].every(existsSync)) {
    const n = readSet(join(split, 'eval')).count;
    return {
      evalDir: join(split, 'eval'),
      calibrationDir,
      evalCount: n,
      calibrationCount: MNIST_CALIBRATION,
      large: false,
      note: `the rest of the 1,000-image sample set (${n} images; the MNIST t10k files are missing); calibration: ${calibration}`,
    };
  }
  const [images, labels] = files.map((f) => parseIdx(new Uint8Array(readFileSync(f)), f));
  const index = Array.from(npyToFloat32(npy(indexFile)));
  const per = 28 * 28;
  const prep = (rows: number[]) => {
    const raw = takeRows(images.data, per, rows);
    return id === 'mnist-onnx-mlir' ? mnistNormalized(raw) : Float32Array.from(raw);
  };
  // This model's preprocessing must give exactly its committed samples, else the loader is wrong for it.
  const committed = npyToFloat32(npy(join(samples, 'inputs.npy')));
  const diff = maxAbsDiff(prep(index), committed);
  if (
    diff !== 0 ||
    maxAbsDiff(takeRows(labels.data, 1, index), npyToLabels(npy(join(samples, 'labels.npy')))) !== 0
  )
    throw new Error(`${id}: t10k preprocessed here differs from ${samples} (max |Δ| ${diff})`);
  const keep = complementIndices(images.dims[0], index.slice(0, MNIST_CALIBRATION));
  const dir = writeSet(join(p.tmp, id, 'eval-t10k'), {
    inputs: buildNpy('<f4', [keep.length, 1, 28, 28], bytesOf(prep(keep))),
    labels: labelsNpy(takeRows(labels.data, 1, keep)),
  });
  return {
    evalDir: dir,
    calibrationDir,
    evalCount: keep.length,
    calibrationCount: MNIST_CALIBRATION,
    large: true,
    note:
      `the official MNIST test set (t10k, committed in test/data) minus the ${MNIST_CALIBRATION} calibration images: ${fmt(keep.length)} images` +
      `${id === 'mnist-onnx-mlir' ? ', normalized (p/255 − 0.1307)/0.3081 as the model was trained' : ', raw 0..255'}` +
      ` (this preprocessing reproduces the committed samples exactly, checked); calibration: ${calibration}`,
  };
}

/** tinytf's generator from scripts/fixtures/train.py (its constants and `order_task`, read with ast: no torch). */
const TINYTF_PY = `
import ast, sys, numpy as np
path, n, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
tree = ast.parse(open(path).read())
names = {"VOCAB", "PAD", "TOK_A", "TOK_B", "MAX_LEN"}
def assigned(node):
    return {x.id for t in node.targets for x in ast.walk(t) if isinstance(x, ast.Name)}
body = [x for x in tree.body if (isinstance(x, ast.Assign) and assigned(x) & names)
        or (isinstance(x, ast.FunctionDef) and x.name == "order_task")]
ns = {"np": np}
exec(compile(ast.Module(body=body, type_ignores=[]), path, "exec"), ns)
ids, mask, labels = ns["order_task"](n, np.random.default_rng(seed))
for k, v in (("input_ids", ids), ("attention_mask", mask), ("labels", labels)):
    np.save(f"{out}/{k}.npy", v)
`;
/** Seeds of scripts/fixtures/train.py's tinytf sets: training, evaluation, calibration. */
const TINYTF_SEEDS = { train: 3, eval: 4, calibration: 5 };
const TINYTF_TRAIN = 30000;

function generateTinytf(n: number, seed: number, dir: string): string {
  writeSet(dir, {});
  const script = join(import.meta.dirname, '..', 'fixtures', 'train.py');
  execFileSync('python3', ['-c', TINYTF_PY, script, String(n), String(seed), dir], { stdio: 'pipe' });
  return dir;
}

function tinytfSplit(p: EvalSetPaths): EvalSplit | null {
  const folder = join(p.fixtures, 'tinytf');
  if (!existsSync(join(folder, 'eval.npz'))) return null;
  const calibrationDir = unpackNpz(join(folder, 'calibration.npz'), join(p.tmp, 'tinytf', 'calibration'));
  const committedDir = unpackNpz(join(folder, 'eval.npz'), join(p.tmp, 'tinytf', 'eval-committed'));
  const committed = readSet(committedDir);
  const cal = readSet(calibrationDir);
  const calibration = `its own calibration set (${cal.count} sequences, seed ${TINYTF_SEEDS.calibration})`;
  const fallback = (why: string): EvalSplit => ({
    evalDir: committedDir,
    calibrationDir,
    evalCount: committed.count,
    calibrationCount: cal.count,
    large: false,
    note: `the committed ${fmt(committed.count)} sequences (${why}); calibration: ${calibration}`,
  });
  const n = p.tinytfCount ?? 10000;
  let gen;
  let train;
  try {
    gen = readSet(generateTinytf(n, TINYTF_SEEDS.eval, join(p.tmp, 'tinytf', 'eval-generated')));
    train = readSet(generateTinytf(TINYTF_TRAIN, TINYTF_SEEDS.train, join(p.tmp, 'tinytf', 'train')));
  } catch (e) {
    return fallback(`regenerating failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const ids = (s: ReturnType<typeof readSet>) => s.inputs.find((a) => a.name === 'input_ids')!.data;
  const per = 32 * 8;
  const m = committed.count;
  // The generator draws sample by sample, so the larger set must start with the committed one.
  if (
    maxAbsDiff(ids(gen).subarray(0, m * per), ids(committed)) !== 0 ||
    maxAbsDiff(gen.labels.subarray(0, m), committed.labels) !== 0
  )
    return fallback('the regenerated set does not start with it, so the generator is not reproduced here');
  // A sequence's ids determine its mask (padding is token 0), so comparing ids finds every shared sample.
  const seenCal = rowsFoundIn(ids(gen), ids(cal), per).length;
  const seenTrain = rowsFoundIn(ids(gen), ids(train), per).length;
  if (seenCal + seenTrain > 0)
    return fallback(`${seenCal + seenTrain} regenerated sequences repeat training/calibration ones`);
  return {
    evalDir: join(p.tmp, 'tinytf', 'eval-generated'),
    calibrationDir,
    evalCount: gen.count,
    calibrationCount: cal.count,
    large: true,
    note:
      `${fmt(gen.count)} sequences regenerated at bench time by \`scripts/fixtures/train.py\`'s own generator (\`order_task\`, seed ${TINYTF_SEEDS.eval}; not committed)` +
      `: the first ${fmt(m)} equal the committed eval.npz, and none equals one of the ${fmt(TINYTF_TRAIN)} training or ${cal.count} calibration sequences (checked); calibration: ${calibration}`,
  };
}

function irisSplit(p: EvalSetPaths): EvalSplit | null {
  const split = splitSampleSet(
    join(p.models, 'iris-mlp-winml', 'samples'),
    join(p.tmp, 'iris'),
    IRIS_CALIBRATION,
  );
  if (!split) return null;
  const n = readSet(join(split, 'eval')).count;
  return {
    evalDir: join(split, 'eval'),
    calibrationDir: join(split, 'calibration'),
    evalCount: n,
    calibrationCount: IRIS_CALIBRATION,
    large: false,
    note: `the last ${n} of Iris.csv's 150 rows (there is no larger set: top-1 moves in steps of 1 point); calibration: the first ${IRIS_CALIBRATION} rows`,
  };
}

/** The evaluation and calibration folders of a model the benchmarks know; null when its files are not present. */
export function evalSplit(id: string, p: EvalSetPaths): EvalSplit | null {
  if (id === 'dwcnn' || id === 'mlp')
    return existsSync(join(p.fixtures, id, 'eval')) ? fashionSplit(id, p) : null;
  if (id === 'tinytf') return tinytfSplit(p);
  if (id === 'mnist-8' || id === 'mnist-onnx-mlir') return mnistSplit(id, p);
  if (id === 'iris-mlp-winml') return irisSplit(p);
  throw new Error(`no evaluation set known for ${id}`);
}
