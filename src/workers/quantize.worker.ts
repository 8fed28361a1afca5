import { expose } from 'comlink';
import { quantizeApi } from './quantize.api';
import { rtnThreads, startRtnWorker, useRtnThreads } from './rtn-threads';

useRtnThreads({ spawn: startRtnWorker, threads: rtnThreads(navigator.hardwareConcurrency || 1) });
expose(quantizeApi);
