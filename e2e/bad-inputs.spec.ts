import { clone, fromBinary, toBinary } from '@bufbuild/protobuf';
import { expect, test } from '@playwright/test';
import { ModelProtoSchema, type ModelProto } from 'onnx-buf';
import { MUTATIONS } from '../test/fuzz/corpus';
import { matMulChain } from './fixtures/onnx-builder';
import {
  MNIST_MLIR,
  V8,
  expectModelReady,
  fileFromPath,
  openViaInput,
  quantize,
  type FileSpec,
} from './helpers';

// Every class of bad input from issue 13, built here from one good model (mnist-onnx-mlir): the page names the file
// and says what is wrong, and then opens and quantizes a good model without a reload.
const GOOD = fileFromPath(MNIST_MLIR).bytes;
const first = <T>(xs: readonly T[]): T => xs[0];

/** The good model with one structural mutation of the fuzz corpus (first choice wherever it picks). */
function mutated(name: keyof typeof MUTATIONS): Uint8Array {
  const m = clone(ModelProtoSchema, fromBinary(ModelProtoSchema, GOOD));
  if (MUTATIONS[name](m, first) === null) throw new Error(`mutation ${name} does not apply`);
  return toBinary(ModelProtoSchema, m);
}

/** The good model edited by `fn`. */
function edited(fn: (m: ModelProto) => void): Uint8Array {
  const m = clone(ModelProtoSchema, fromBinary(ModelProtoSchema, GOOD));
  fn(m);
  return toBinary(ModelProtoSchema, m);
}

const flipped = (): Uint8Array => {
  const b = GOOD.slice();
  b[1] ^= 0x80; // one bit in the first field's length: the protobuf no longer parses
  return b;
};

interface BadCase {
  files: FileSpec[];
  /** Error name on the notice, and what its text must say. */
  name: string;
  says: RegExp;
}

const CASES: Record<string, BadCase> = {
  'not ONNX': {
    files: [{ name: 'page.onnx', bytes: new TextEncoder().encode('<html>a saved web page</html>') }],
    name: 'OnnxParseError',
    says: /Not an ONNX model \(this is an HTML\/XML document/,
  },
  truncated: {
    files: [{ name: 'half.onnx', bytes: GOOD.slice(0, GOOD.length >> 1) }],
    name: 'OnnxParseError',
    says: /truncated or corrupt protobuf/,
  },
  'bit-flipped': {
    files: [{ name: 'flipped.onnx', bytes: flipped() }],
    name: 'OnnxParseError',
    says: /Not an ONNX model \(illegal tag/,
  },
  'absurd dims (negative)': {
    files: [{ name: 'negative-dim.onnx', bytes: mutated('dim-negative') }],
    name: 'OnnxParseError',
    says: /tensor 'fc1\.weight': invalid dimension -3 in dims \[-3,196\]/,
  },
  'absurd dims (huge)': {
    files: [{ name: 'huge-dim.onnx', bytes: mutated('dim-huge') }],
    name: 'OnnxParseError',
    says: /invalid dimension 1152921504606846976/,
  },
  'data length vs shape': {
    files: [{ name: 'short-data.onnx', bytes: mutated('raw-short') }],
    name: 'OnnxParseError',
    says: /tensor 'fc1\.weight' \(float32, dims \[128,196\]\): raw_data holds 50176 bytes, expected 100352/,
  },
  'unknown dtype': {
    files: [{ name: 'dtype-99.onnx', bytes: mutated('dtype-unknown') }],
    name: 'OnnxParseError',
    says: /tensor 'fc1\.weight': unknown ONNX data type 99/,
  },
  cycle: {
    files: [{ name: 'cycle.onnx', bytes: mutated('cycle') }],
    name: 'OnnxParseError',
    says: /Broken graph: the nodes form a cycle/,
  },
  'dangling input': {
    files: [{ name: 'dangling.onnx', bytes: mutated('dangling-input') }],
    name: 'OnnxParseError',
    says: /Broken graph: node 'MaxPool_0' \(MaxPool\) reads 'no_such_value', which no node, initializer or graph input produces/,
  },
  'external data missing': {
    files: [{ name: 'needs-data.onnx', bytes: mutated('external-missing') }],
    name: 'ExternalDataMissingError',
    says: /not supplied: weights\.bin/,
  },
  'external data escaping the folder': {
    files: [
      { name: 'escapes.onnx', bytes: mutated('external-traversal') },
      { name: 'secret.bin', bytes: new Uint8Array(200_000) }, // even when a file of that name is dropped
    ],
    name: 'ExternalDataError',
    says: /external data location '\.\.\/secret\.bin': path traversal is not allowed/,
  },
  'external data absolute': {
    files: [
      {
        name: 'absolute.onnx',
        bytes: edited((m) => {
          const t = m.graph!.initializer[0];
          t.dataLocation = 1;
          t.rawData = new Uint8Array();
          t.externalData = [
            { $typeName: 'onnx.StringStringEntryProto', key: 'location', value: '/etc/passwd' },
          ];
        }),
      },
    ],
    name: 'ExternalDataError',
    says: /'\/etc\/passwd'/,
  },
};

for (const [label, c] of Object.entries(CASES)) {
  test(`bad input — ${label}: named in a message, then a good model quantizes`, async ({ page }) => {
    await page.goto('/');
    await openViaInput(page, c.files);
    const error = page.getByTestId('load-error');
    await expect(error).toBeVisible();
    await expect(error).toHaveAttribute('data-error-name', c.name);
    await expect(error).toContainText(`Couldn’t open “${c.files[0].name}”`);
    await expect(error).toContainText(c.says);
    await expect(page.locator('body')).not.toContainText('Something went wrong');

    const good = matMulChain({ layers: 2, width: 32 }).model;
    await openViaInput(page, [{ name: 'good.onnx', bytes: good }]);
    await expectModelReady(page, 'good.onnx');
    await expect(error).toHaveCount(0);
    await quantize(page, ['8-bit']);
    await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
  });
}

// A model without a single float weight opens (it is a valid model) and Quantize is refused with the reason.
test('bad input — no quantizable weights: said in words, then a good model quantizes', async ({ page }) => {
  const noWeights = edited((m) => {
    const g = m.graph!;
    g.initializer = [];
    g.node = [{ ...g.node[0], opType: 'Relu', input: [g.input[0].name], output: [g.output[0].name] }];
    g.node[0].attribute = [];
  });
  await page.goto('/');
  await openViaInput(page, [{ name: 'no-weights.onnx', bytes: noWeights }]);
  await expectModelReady(page, 'no-weights.onnx');
  await expect(page.getByTestId('nothing-to-quantize')).toContainText(
    /Nothing to quantize: .*float constant/,
  );
  await expect(page.getByRole('button', { name: 'Quantize', exact: true })).toBeDisabled();
  await openViaInput(page, [{ name: 'good.onnx', bytes: matMulChain({ layers: 2, width: 32 }).model }]);
  await expectModelReady(page, 'good.onnx');
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
});
