// A worker thread of `qstudio quantize --threads N`: runs the RTN export pass (quantizeForExport) on one tensor at a
// time and posts the packed levels back, transferring the buffers (no copy). Errors go back as name + message.
import { parentPort } from 'node:worker_threads';
import { isStudioError } from '../core/errors';
import { quantizeForExport, type ExportedWeight } from '../core/pipeline/weight';
import type { RtnRequest, RtnResponse } from './threads';

const port = parentPort!;
port.on('message', ({ id, values, weight, spec, target }: RtnRequest) => {
  const spare = values.buffer as ArrayBuffer; // moved back for reuse with the next tensor
  let reply: RtnResponse;
  try {
    const result = quantizeForExport(values, weight, spec, target);
    reply = { id, spare, result };
    port.postMessage(reply, [spare, ...transferables(result)]);
  } catch (e) {
    const error = isStudioError(e)
      ? { name: e.name, message: e.message }
      : { name: 'Error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    reply = { id, spare, error };
    port.postMessage(reply, [spare]);
  }
});

function transferables(r: ExportedWeight): ArrayBuffer[] {
  const views =
    r.kind === 'fp16'
      ? [r.bits]
      : r.kind === 'packed'
        ? [r.packed]
        : r.kind === 'nbits'
          ? [r.nbits.B, r.nbits.scales, ...(r.nbits.zeroPoints ? [r.nbits.zeroPoints] : [])]
          : [r.q.levels];
  // Only buffers the view covers whole (a shared or larger buffer would be detached under someone else).
  return views
    .filter((v) => v.byteOffset === 0 && v.byteLength === v.buffer.byteLength)
    .map((v) => v.buffer as ArrayBuffer);
}
