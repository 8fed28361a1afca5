// Token-id models in the evaluate worker API (onnxruntime-web's Node build): int64 inputs fed as they are, several
// inputs from .npy / .npz / test_data_set_N, inputs with no data fed their defaults, per-output fidelity, and the
// synthetic probe. Fixture and honest labels: test/fixtures/token-model.ts (float model scores exactly 80 %).
import { create, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-web';
import { TensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../core/onnx';
import type { EvalReport } from '../protocol/eval-dto';
import { bytesOf } from '../../test/fixtures/samples/entries';
import { SEQ, tokenModel, tokenSampleFiles, tokenSamples } from '../../test/fixtures/token-model';
import type { EvalRequest, SampleFile } from '../protocol/eval-dto';
import { createEvaluateApi } from './evaluate.api';
import { blobOf, perChannelBlob } from '../../test/support/evaluate-cases';

ort.env.wasm.numThreads = 1;

const sample = (path: string, bytes: Uint8Array): SampleFile => ({ path, blob: blobOf(bytes) });
const samples = tokenSamples(40);
const files = tokenSampleFiles(samples);

async function request(withMask = true): Promise<EvalRequest> {
  const bytes = tokenModel(withMask);
  const model = parseModel(bytes, 'tokens.onnx');
  return {
    float: { blob: blobOf(bytes), label: 'tokens.onnx' },
    variants: [
      { id: 'w8', label: 'int8', blob: await perChannelBlob(model, 8) },
      { id: 'w4', label: 'int4', blob: await perChannelBlob(model, 4) },
    ],
    preprocess: null,
    mode: 'exact',
  };
}

/** A TensorProto file holding int64 `values` of `dims`, named `name`. */
const int64Pb = (name: string, dims: number[], values: number[]) =>
  toBinary(
    TensorProtoSchema,
    create(TensorProtoSchema, {
      name,
      dataType: 7,
      dims: dims.map(BigInt),
      rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) as Uint8Array<ArrayBuffer>,
    }),
  );

function expectTokenReport(r: EvalReport) {
  expect(r.sampleCount).toBe(40);
  expect(r.float.accuracy?.top1Correct).toBe(samples.agreeing); // 32 of 40: the labels were made so
  expect(r.output?.name).toBe('logits');
  expect(r.outputs.map((o) => [o.name, o.role])).toEqual([
    ['logits', 'class-scores'],
    ['hidden', 'map'],
  ]);
  for (const v of r.variants) {
    const [logits, hidden] = v.exact!.outputs;
    expect(logits.units).toBe(40);
    expect(logits.sqnrDb).toBeGreaterThan(5);
    expect(hidden.iou).not.toBeNull();
    expect(hidden.cosine).toBeGreaterThan(0.9);
  }
  const [w8, w4] = r.variants.map((v) => v.exact!.outputs[1].sqnrDb);
  expect(w8).toBeGreaterThan(w4); // 8 bits are closer to float than 4
}

describe('token-id models (int64 inputs)', () => {
  it.each<[string, SampleFile[]]>([
    [
      'input_ids.npy + attention_mask.npy + labels.npy',
      [
        sample('input_ids.npy', files.inputIds),
        sample('attention_mask.npy', files.attentionMask),
        sample('labels.npy', files.labels),
      ],
    ],
    ['samples.npz with named arrays', [sample('samples.npz', files.npz)]],
  ])('%s: accuracy and per-output fidelity', async (_, dropped) => {
    const api = createEvaluateApi(ort);
    const info = await api.loadSamples(dropped);
    expect(info.arrays?.map((a) => [a.name, a.dtype])).toEqual([
      ['input_ids', 'int64'],
      ['attention_mask', 'int64'],
    ]);
    const r = await api.evaluate(await request());
    expectTokenReport(r);
    expect(r.notes.join('\n')).toMatch(/input 'attention_mask' ← attention_mask/);
  });

  it('test_data_set_N/input_0.pb + input_1.pb, matched by tensor name (files in the other order)', async () => {
    const api = createEvaluateApi(ort);
    const half = (from: number) => ({
      ids: samples.ids.slice(from * SEQ, (from + 20) * SEQ),
      mask: samples.mask.slice(from * SEQ, (from + 20) * SEQ),
    });
    const dropped = [0, 20].flatMap((from, k) => [
      sample(`test_data_set_${k}/input_0.pb`, int64Pb('attention_mask', [20, SEQ], half(from).mask)),
      sample(`test_data_set_${k}/input_1.pb`, int64Pb('input_ids', [20, SEQ], half(from).ids)),
    ]);
    await api.loadSamples(dropped);
    const r = await api.evaluate(await request());
    expect(r.labeled).toBe(false);
    expect(r.sampleCount).toBe(40);
    expect(r.notes.join('\n')).toMatch(/input 'input_ids' ← input_ids/);
    // The same feed as from .npz: identical fidelity numbers.
    const npz = createEvaluateApi(ort);
    await npz.loadSamples([sample('samples.npz', files.npz)]);
    const r2 = await npz.evaluate(await request());
    expect(r.variants.map((v) => v.exact!.outputs)).toEqual(r2.variants.map((v) => v.exact!.outputs));
  });

  it('feeds an absent attention_mask all ones, and says so', async () => {
    const api = createEvaluateApi(ort);
    await api.loadSamples([sample('input_ids.npy', files.inputIds)]);
    const r = await api.evaluate(await request());
    expect(r.notes.join('\n')).toMatch(
      /input 'attention_mask' int64 \[batch,seq\] is not in the samples: fed all ones \(mask: nothing masked\)/,
    );
    expect(r.variants[0].exact!.outputs[0].units).toBe(40);
  });

  it('leaves an array the model has no input for unfed, and says so', async () => {
    const api = createEvaluateApi(ort);
    await api.loadSamples([sample('samples.npz', files.npz)]);
    const r = await api.evaluate(await request(false));
    expect(r.notes.join('\n')).toMatch(/not fed \(no model input of that name left\): 'attention_mask'/);
  });
});

describe('synthetic probe', () => {
  it('gives every variant per-output fidelity on made-up token ids, labelled synthetic, the same every time', async () => {
    const api = createEvaluateApi(ort);
    const req = await request();
    const r = await api.probe(req);
    expect(r.synthetic).toBe(true);
    expect(r.labeled).toBe(false);
    expect(r.sourceName).toMatch(/synthetic probe/);
    const notes = r.notes.join('\n');
    expect(notes).toMatch(
      /input 'input_ids' int64 \[16\] per sample: token ids uniform in 0\.\.49 \(the embedding table has 50 rows\)/,
    );
    expect(notes).toMatch(/input 'attention_mask' int64 \[16\] per sample: all ones/);
    expect(r.variants[1].exact!.outputs[0].sqnrDb).toBeLessThan(r.variants[0].exact!.outputs[0].sqnrDb);
    const again = await createEvaluateApi(ort).probe(req);
    expect(again.variants.map((v) => v.exact!.outputs)).toEqual(r.variants.map((v) => v.exact!.outputs));
  });
});
