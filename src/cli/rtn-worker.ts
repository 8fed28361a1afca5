// A worker thread of `qstudio quantize --threads N`: runs the RTN export pass on one tensor at a time and posts the
// packed levels back, its buffers moved (src/core/pipeline/rtn-pool.ts answerRtn, as the studio's rtn.worker).
import { parentPort } from 'node:worker_threads';
import { answerRtn, type RtnRequest } from '../core/pipeline/rtn-pool';

const port = parentPort!;
port.on('message', (req: RtnRequest) => {
  const { reply, transfer } = answerRtn(req);
  port.postMessage(reply, transfer);
});
