// The few web-platform globals core may use: they exist in browsers, workers and Node alike, but their types live
// in lib.dom, which core deliberately does not load (so DOM use fails to compile).
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
