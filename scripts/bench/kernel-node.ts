// One kernel measurement in a fresh Node process (so the JIT state of one kernel never shapes another's numbers):
//   tsx scripts/bench/kernel-node.ts <path to a fused.ts exporting quantizeFused>   → prints KernelResult as JSON
import { pathToFileURL } from 'node:url';
import { cpuClock, kernelBench } from './kernel';

const { quantizeFused } = await import(pathToFileURL(process.argv[2]).href);
console.log(JSON.stringify(kernelBench(quantizeFused, cpuClock)));
