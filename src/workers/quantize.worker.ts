import { expose } from 'comlink';
import { quantizeApi } from './quantize.api';

expose(quantizeApi);
