// One kernel measurement in a fresh Node process (so the JIT state of one kernel never shapes another's numbers):
//   tsx scripts/bench/kernel-node.ts <path to a fused.ts exporting quantizeFused>   → prints KernelResult as JSON
// A kernel with a WebAssembly SIMD path (simd/kernel.ts next to fused.ts) is also timed with that path off.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuClock, kernelBench } from './kernel';

const { quantizeFused } = await import(pathToFileURL(process.argv[2]).href);
const simdPath = join(dirname(process.argv[2]), 'simd/kernel.ts');
const setSimd = existsSync(simdPath) ? (await import(pathToFileURL(simdPath).href)).setSimdKernel : undefined;
console.log(JSON.stringify(kernelBench(quantizeFused, cpuClock, 'median', 9, setSimd)));
