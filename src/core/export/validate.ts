// A last check of the bytes we are about to hand to the user: read them back with our own reader (every tensor's
// data matches its shape, nothing external) and check the main graph is a well-formed, topologically sorted DAG.
// A failure is a bug of ours; it is reported instead of offering a broken file.
import { StudioError } from '../errors';
import { isExternalTensor } from '../onnx/external';
import { forEachTensor } from '../onnx/graph';
import { parseModel, parseModelBlob } from '../onnx/read';
import type { BlobLike } from '../onnx/types';
import type { ModelProto } from 'onnx-buf';

const fail = (fileName: string, why: string) =>
  new StudioError('UnsupportedModelError', `the exported ${fileName} failed validation: ${why}`);

/** Throws a StudioError naming the first problem; returns the node count on success. */
export function validateExportedModel(bytes: Uint8Array, fileName: string): number {
  let model;
  try {
    model = parseModel(bytes, fileName);
  } catch (e) {
    throw fail(fileName, e instanceof Error ? e.message : String(e));
  }
  return checkExported(model.proto, fileName);
}

/** validateExportedModel on a Blob, read lazily (tensor data is checked against its shape, not read). */
export async function validateExportedFile(blob: BlobLike, fileName: string): Promise<number> {
  let model;
  try {
    model = await parseModelBlob(blob, fileName);
  } catch (e) {
    throw fail(fileName, e instanceof Error ? e.message : String(e));
  }
  return checkExported(model.proto, fileName);
}

function checkExported(proto: ModelProto, fileName: string): number {
  forEachTensor(proto, (t) => {
    if (isExternalTensor(t)) throw fail(fileName, `tensor '${t.name}' still points at external data`);
  });
  const graph = proto.graph!;
  const defined = new Set<string>([
    '',
    ...graph.input.map((v) => v.name),
    ...graph.initializer.map((t) => t.name),
  ]);
  for (const s of graph.sparseInitializer) if (s.values) defined.add(s.values.name);
  graph.node.forEach((node, i) => {
    for (const input of node.input) {
      if (!defined.has(input))
        throw fail(
          fileName,
          `node '${node.name || `#${i}`}' (${node.opType}) reads '${input}', which nothing before it produces`,
        );
    }
    for (const output of node.output) {
      if (output && defined.has(output) && output !== '')
        throw fail(fileName, `'${output}' is produced twice (node '${node.name || `#${i}`}')`);
      defined.add(output);
    }
  });
  for (const o of graph.output)
    if (!defined.has(o.name)) throw fail(fileName, `graph output '${o.name}' is produced by no node`);
  return graph.node.length;
}
