import { create } from '@bufbuild/protobuf';
import { SparseTensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { buildGraph, floatTensor, node, valueInfo } from '../../../test/fixtures/onnx-builders';
import { checkGraph } from './graph-check';

const x = valueInfo('x', 'float32', [1, 2]);
const w = floatTensor('w', [2, 2], [1, 2, 3, 4]);

describe('checkGraph', () => {
  it.each([
    ['a chain', [node('MatMul', ['x', 'w'], ['h']), node('Relu', ['h'], ['y'])]],
    [
      'nodes out of order (onnxruntime sorts them)',
      [node('Relu', ['h'], ['y']), node('MatMul', ['x', 'w'], ['h'])],
    ],
    ['an omitted optional input', [node('Clip', ['x', '', 'w'], ['y'])]],
    ['a node without inputs', [node('Constant', [], ['c'], {}), node('Add', ['x', 'c'], ['y'])]],
  ])('accepts %s', (_, nodes) => {
    expect(() => checkGraph(buildGraph({ inputs: [x], initializers: [w], nodes }))).not.toThrow();
  });

  it('accepts a sparse initializer as an input', () => {
    const g = buildGraph({ inputs: [x], nodes: [node('MatMul', ['x', 's'], ['y'])] });
    g.sparseInitializer = [create(SparseTensorProtoSchema, { values: floatTensor('s', [1], [1]) })];
    expect(() => checkGraph(g)).not.toThrow();
  });

  it.each([
    [
      'a dangling input',
      [node('MatMul', ['x', 'nowhere'], ['y'], {}, { name: 'mm' })],
      "Broken graph: node 'mm' (MatMul) reads 'nowhere', which no node, initializer or graph input produces",
    ],
    [
      'an input whose graph input was removed',
      [node('Relu', ['z'], ['y'])],
      "Broken graph: node '#0' (Relu) reads 'z', which no node, initializer or graph input produces",
    ],
    [
      'a name with a line break (messages stay one line)',
      [node('Relu', ['bad\nname'], ['y'], {}, { name: 'r\u0007' })],
      "Broken graph: node 'r\\u0007' (Relu) reads 'bad\\u000aname', which no node, initializer or graph input produces",
    ],
    [
      'a two-node cycle',
      [node('Add', ['x', 'b'], ['a'], {}, { name: 'A' }), node('Relu', ['a'], ['b'], {}, { name: 'B' })],
      "Broken graph: the nodes form a cycle (node 'A' (Add) waits, directly or not, on its own output)",
    ],
    [
      'a node reading its own output',
      [node('MatMul', ['x', 'w'], ['h']), node('Add', ['h', 'y'], ['y'], {}, { name: 'self' })],
      "Broken graph: the nodes form a cycle (node 'self' (Add) waits, directly or not, on its own output)",
    ],
  ])('refuses %s, naming the node', (_, nodes, message) => {
    expect(() => checkGraph(buildGraph({ inputs: [x], initializers: [w], nodes }))).toThrow(
      expect.objectContaining({ name: 'OnnxParseError', message }),
    );
  });
});
