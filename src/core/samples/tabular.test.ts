import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../../test/paths';
import { bytesEntry, expectSampleSetError, fileEntry } from '../../../test/fixtures/samples/entries';
import { detectHeader, parseCsv } from './csv';
import { detectSampleSet } from './detect';
import { npyToFloat32, npyToLabels, parseNpy } from './npy';
import { readTabularCsv } from './tabular';

const IRIS = testModel('iris-mlp-winml');
const irisText = readFileSync(`${IRIS}/data/Iris.csv`, 'utf8');
const npy = (p: string) => parseNpy(new Uint8Array(readFileSync(p)), p);

describe('parseCsv', () => {
  it.each([
    [
      'plain LF',
      'a,b\n1,2\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'CRLF + trailing blank lines',
      'a,b\r\n1,2\r\n\r\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'quoted comma and escaped quote',
      'name,v\n"Smith, J ""Jr""",3\n',
      [
        ['name', 'v'],
        ['Smith, J "Jr"', '3'],
      ],
    ],
    ['newline inside quotes', '"a\nb",1\n', [['a\nb', '1']]],
    [
      'BOM and no final newline',
      '\ufeffx,y\n1,2',
      [
        ['x', 'y'],
        ['1', '2'],
      ],
    ],
    [
      'semicolon delimiter',
      'x;y\n1;2\n',
      [
        ['x', 'y'],
        ['1', '2'],
      ],
    ],
    [
      'lone CR line ends',
      'x,y\r1,2\r',
      [
        ['x', 'y'],
        ['1', '2'],
      ],
    ],
  ])('%s', (_name, text, rows) => {
    expect(parseCsv(text, 't.csv')).toEqual(rows);
  });
  it('unterminated quote names the file', async () => {
    await expectSampleSetError(() => parseCsv('a,"b\n', 't.csv'), 't.csv: unterminated quoted field');
  });
  it.each([
    [
      [
        ['Id', 'x'],
        ['1', '2'],
      ],
      true,
    ],
    [
      [
        ['1', '2'],
        ['3', '4'],
      ],
      false,
    ],
    [
      [
        ['5.1', 'Iris-setosa'],
        ['4.9', 'Iris-setosa'],
      ],
      false,
    ],
    [
      [
        ['sepal', 'species'],
        ['4.9', 'Iris-setosa'],
      ],
      true,
    ],
  ])('detectHeader(%j) = %s', (rows, header) => {
    expect(detectHeader(rows)).toBe(header);
  });
});

describe('Iris.csv (Id, 4 features in cm, Species strings)', () => {
  it('150 rows, 4 features, Id excluded, labels mapped in the order the model expects', () => {
    const set = readTabularCsv(irisText, 'Iris.csv');
    expect(set.count).toBe(150);
    expect(set.sampleDims).toEqual([4]);
    expect(set.tabular).toEqual({
      columns: ['Id', 'SepalLengthCm', 'SepalWidthCm', 'PetalLengthCm', 'PetalWidthCm', 'Species'],
      featureColumns: ['SepalLengthCm', 'SepalWidthCm', 'PetalLengthCm', 'PetalWidthCm'],
      labelColumn: 'Species',
      // PROVENANCE.md: classes 0 Iris-setosa, 1 Iris-versicolor, 2 Iris-virginica (the tutorial's mapping)
      labelMapping: [
        { name: 'Iris-setosa', index: 0 },
        { name: 'Iris-versicolor', index: 1 },
        { name: 'Iris-virginica', index: 2 },
      ],
    });
    expect(set.classes).toEqual(['Iris-setosa', 'Iris-versicolor', 'Iris-virginica']);
    expect(set.inputs).toEqual(npyToFloat32(npy(`${IRIS}/samples/inputs.npy`)));
    expect(set.labels).toEqual(npyToLabels(npy(`${IRIS}/samples/labels.npy`)));
  });
  it('an edited mapping is applied', () => {
    const set = readTabularCsv(irisText, 'Iris.csv', {
      labelMapping: [
        { name: 'Iris-virginica', index: 0 },
        { name: 'Iris-versicolor', index: 1 },
        { name: 'Iris-setosa', index: 2 },
      ],
    });
    expect([set.labels?.[0], set.labels?.[50], set.labels?.[100]]).toEqual([2, 1, 0]);
    expect(set.classes).toEqual(['Iris-virginica', 'Iris-versicolor', 'Iris-setosa']);
  });
  it('Id can be chosen as a feature, and labels can be turned off', () => {
    const set = readTabularCsv(irisText, 'Iris.csv', { excludeColumns: [], labelColumn: null });
    expect(set.tabular?.featureColumns).toEqual([
      'Id',
      'SepalLengthCm',
      'SepalWidthCm',
      'PetalLengthCm',
      'PetalWidthCm',
    ]);
    expect(set.labels).toBeNull();
    expect(set.notes.join(' ')).toMatch(/column 'Species' is not numeric and was skipped/);
  });
  it('a mapping missing a label is an error naming the labels', async () => {
    await expectSampleSetError(
      () => readTabularCsv(irisText, 'Iris.csv', { labelMapping: [{ name: 'Iris-setosa', index: 0 }] }),
      "Iris.csv: label(s) 'Iris-versicolor', 'Iris-virginica' in column 'Species' are not in the label mapping (Iris-setosa=0)",
    );
  });
  it('samples/labels.csv (numeric label column named label) through detection', async () => {
    const set = await detectSampleSet([fileEntry(`${IRIS}/samples/labels.csv`, 'iris/table.csv')]);
    expect(set).toMatchObject({ kind: 'tensor', source: 'csv', count: 150, classes: null });
    expect(set.labels).toEqual(npyToLabels(npy(`${IRIS}/samples/labels.npy`)));
  });
  it('Iris.csv through detection', async () => {
    const set = await detectSampleSet([fileEntry(`${IRIS}/data/Iris.csv`, 'Iris.csv')], {
      tabular: { labelColumn: 'species' },
    });
    expect(set.count).toBe(150);
    expect(set.classes).toHaveLength(3);
  });
});

describe('bad tables', () => {
  it.each([
    [
      'stray text in a feature column',
      'a,b,label\n1,2,x\n3,oops,y\n5,6,x\n',
      "t.csv: row 3, column 'b': 'oops' is not a number",
    ],
    ['short row', 'a,b,label\n1,2,x\n3,y\n', 't.csv: row 3 has 2 fields, expected 3 like the first row'],
    ['header only', 'a,b,label\n', 't.csv: only a header row, no samples'],
    ['unknown label column', 'a,b\n1,2\n', "t.csv: label column 'kind' not found (columns: a, b)"],
    [
      'fractional numeric labels',
      'a,label\n1,0.5\n2,1\n',
      "t.csv: row 2, label column 'label': '0.5' is not a class index",
    ],
  ])('%s', async (_name, text, message) => {
    const opts = message.includes("'kind'") ? { labelColumn: 'kind' } : {};
    await expectSampleSetError(
      () => detectSampleSet([bytesEntry('t.csv', text)], { tabular: opts }),
      message,
    );
  });
});
