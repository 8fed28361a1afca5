// One thread of the quantize worker's RTN pool (rtn-threads.ts): a tensor per message, its buffers moved both ways.
import { answerRtn, type RtnRequest } from '../core/pipeline/rtn-pool';

self.onmessage = (e: MessageEvent<RtnRequest>) => {
  const { reply, transfer } = answerRtn(e.data);
  self.postMessage(reply, { transfer });
};
