import { describe, expect, it } from 'vitest';
import { compactTicks, trimCommonAffixes } from './tick-labels';

describe('trimCommonAffixes', () => {
  it.each([
    {
      names: ['features.1.weight', 'features.3.weight', 'head.weight'],
      want: ['features.1', 'features.3', 'head'],
    },
    { names: ['model.layers.0.q_proj', 'model.layers.0.k_proj'], want: ['q_proj', 'k_proj'] },
    { names: ['x.q_proj', 'x.k_proj'], want: ['q_proj', 'k_proj'] },
    { names: ['fc1.weight', 'fc2.weight'], want: ['fc1', 'fc2'] },
    // Cut only at a separator: 'conv1' / 'conv11' share 'conv1' but not at a boundary.
    { names: ['conv1', 'conv11'], want: ['conv1', 'conv11'] },
    { names: ['a.weight', 'a.weight.b.weight'], want: ['a', 'a.weight.b'] },
    { names: ['w'], want: ['w'] },
  ])('$names', ({ names, want }) => {
    expect(trimCommonAffixes(names)).toEqual(want);
  });
});

describe('compactTicks', () => {
  const ten = [...Array.from({ length: 9 }, (_, i) => `features.${2 * i + 1}.weight`), 'head.weight'];
  it('keeps short labels horizontal when they fit', () => {
    expect(compactTicks(['fc1.weight', 'fc2.weight'], 330)).toMatchObject({
      text: ['fc1', 'fc2'],
      angle: 0,
      show: true,
    });
  });
  it('turns labels vertical when they do not fit side by side, with room below for the longest', () => {
    const t = compactTicks(ten, 330);
    expect(t).toMatchObject({ angle: -90, show: true });
    expect(t.text.slice(8)).toEqual(['features.17', 'head']);
    expect(t.marginBottom).toBeGreaterThanOrEqual(11 * 6.6);
  });
  it('hides them when even vertical labels would overlap', () => {
    expect(
      compactTicks(
        Array.from({ length: 60 }, (_, i) => `l${i}`),
        330,
      ).show,
    ).toBe(false);
  });
  it('cuts long names from the left', () => {
    expect(compactTicks(['a'.repeat(40) + '.x', 'b.x'], 2000, 10).text[0]).toBe(`…${'a'.repeat(9)}`);
  });
});
