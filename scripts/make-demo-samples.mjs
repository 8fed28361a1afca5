// Builds public/demo/mnist-samples.zip: the first 30 images per digit (300) of the 1,000 MNIST test images that
// come with the mnist-8 test model, as PNGs in class folders with labels.csv and classes.txt.
// Usage: node scripts/make-demo-samples.mjs [path/to/mnist-8/samples/png]
// (the tests derive that folder from test/data into node_modules/.cache/qstudio-test/models-<hash>/)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';

const PER_CLASS = 30;
const src = process.argv[2];
if (!src) {
  console.error('usage: node scripts/make-demo-samples.mjs path/to/mnist-8/samples/png');
  process.exit(2);
}
const rows = readFileSync(join(src, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
const taken = new Map();
const picked = [];
for (const row of rows) {
  const [file, label] = row.split(',');
  const n = taken.get(label) ?? 0;
  if (n >= PER_CLASS) continue;
  taken.set(label, n + 1);
  picked.push([file, label]);
}
const files = {
  'mnist-demo/labels.csv': Buffer.from(
    ['filename,label', ...picked.map(([f, l]) => `${f},${l}`)].join('\n') + '\n',
  ),
  'mnist-demo/classes.txt': readFileSync(join(src, 'classes.txt')),
};
for (const [file] of picked) files[`mnist-demo/${file}`] = readFileSync(join(src, file));
// PNGs are compressed already: store them; a fixed mtime keeps the zip byte-identical between runs.
const zip = zipSync(files, { level: 0, mtime: new Date('2020-01-01T00:00:00Z') });
writeFileSync('public/demo/mnist-samples.zip', zip);
console.log(`${picked.length} images, ${zip.length} bytes → public/demo/mnist-samples.zip`);
