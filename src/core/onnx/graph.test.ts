import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  buildModel,
  constantNode,
  floatTensor,
  node,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import {
  buildConsumers,
  buildProducers,
  collectNames,
  findConstantNode,
  findConstantTensor,
  findInitializer,
  opsetVersion,
  uniqueNameGenerator,
} from './graph';

// x -> MatMul(W) -> h -> If(cond){ then: Add(h, W) } -> y ; graph outputs y and W
const thenBranch = buildGraph({
  name: 'then',
  outputs: [valueInfo('t_out')],
  nodes: [node('Add', ['h', 'W'], ['t_out']), node('Identity', ['local'], ['unused'])],
  initializers: [floatTensor('local', [1], [0])],
});
const proto = buildModel({
  opset: { '': 17, 'com.microsoft': 1 },
  inputs: [valueInfo('x'), valueInfo('cond', 'bool')],
  outputs: [valueInfo('y'), valueInfo('W')],
  nodes: [
    node('MatMul', ['x', 'W'], ['h'], {}, { name: 'mm' }),
    node('If', ['cond'], ['y'], { then_branch: thenBranch, else_branch: thenBranch }),
    constantNode('k', floatTensor('k', [1], [3])),
    node('Clip', ['h', '', 'k'], ['clipped']),
  ],
  initializers: [floatTensor('W', [2, 2], [1, 2, 3, 4])],
});
const graph = proto.graph!;

describe('buildConsumers', () => {
  const consumers = buildConsumers(graph);
  it.each<[string, unknown[]]>([
    [
      'W',
      [
        { kind: 'node', nodeIndex: 0, inputIndex: 1 },
        { kind: 'subgraph', nodeIndex: 1, inputIndex: -1 },
        { kind: 'graphOutput', nodeIndex: -1, inputIndex: 1 },
      ],
    ],
    [
      'h',
      [
        { kind: 'subgraph', nodeIndex: 1, inputIndex: -1 },
        { kind: 'node', nodeIndex: 3, inputIndex: 0 },
      ],
    ],
    ['y', [{ kind: 'graphOutput', nodeIndex: -1, inputIndex: 0 }]],
    ['k', [{ kind: 'node', nodeIndex: 3, inputIndex: 2 }]],
  ])('%s', (name, uses) => expect(consumers.get(name)).toEqual(uses));
  it('ignores omitted optional inputs and names defined inside subgraphs', () => {
    expect(consumers.has('')).toBe(false);
    expect(consumers.has('local')).toBe(false);
  });
});

describe('lookups', () => {
  it('producers', () => expect(buildProducers(graph).get('clipped')).toBe(3));
  it('initializer and Constant node', () => {
    expect(findInitializer(graph, 'W')?.name).toBe('W');
    expect(findInitializer(graph, 'k')).toBeUndefined();
    expect(findConstantNode(graph, 'k')?.nodeIndex).toBe(2);
    expect(findConstantTensor(graph, 'k')?.name).toBe('k');
    expect(findConstantTensor(graph, 'h')).toBeUndefined();
  });
  it.each<[string, number | undefined]>([
    ['', 17],
    ['ai.onnx', 17],
    ['com.microsoft', 1],
    ['ai.onnx.ml', undefined],
  ])('opset of %j', (domain, version) => expect(opsetVersion(proto, domain)).toBe(version));
  it('unique names avoid every name in the model, subgraphs included', () => {
    expect(collectNames(proto).has('t_out')).toBe(true);
    const next = uniqueNameGenerator(proto);
    expect([next('W'), next('W'), next('mm'), next('fresh'), next('local')]).toEqual([
      'W_1',
      'W_2',
      'mm_1',
      'fresh',
      'local_1',
    ]);
  });
});
