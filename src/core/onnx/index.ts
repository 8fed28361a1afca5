// Public API of the ONNX layer.
export * from './dtype';
export * from './external';
export * from './graph';
export * from './read';
export * from './summary';
export * from './tensor';
export * from './tensor-decode';
export * from './weights';
export * from './write';
export * from './proto';
export * from './float16';
export type * from './types';
