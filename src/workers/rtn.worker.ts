// One thread of the quantize worker's RTN pool (rtn-threads.ts): a tensor per message, its buffers moved both ways.
import { answerRtn, isRtnTrim, trimRtn, type RtnRequest, type RtnTrim } from '../core/pipeline/rtn-pool';

self.onmessage = (e: MessageEvent<RtnRequest | RtnTrim>) => {
  if (isRtnTrim(e.data)) return trimRtn();
  const { reply, transfer } = answerRtn(e.data);
  self.postMessage(reply, { transfer });
};
