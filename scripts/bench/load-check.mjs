// Loads a model (with its external data) in onnxruntime-node and runs it once on ones: prints what it saw.
import * as ort from 'onnxruntime-node';

const session = await ort.InferenceSession.create(process.argv[2]);
const name = session.inputNames[0];
const dim = Number(session.inputMetadata?.[0]?.shape?.[1] ?? 4096);
const out = await session.run({ [name]: new ort.Tensor('float32', new Float32Array(dim).fill(1), [1, dim]) });
const y = out[session.outputNames[0]].data;
console.log(`loaded, ran: ${y.length} outputs, all finite ${Array.from(y).every(Number.isFinite)}`);
