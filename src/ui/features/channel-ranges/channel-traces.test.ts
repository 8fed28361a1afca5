import { describe, expect, it } from 'vitest';
import type { ChannelErrorsDto } from '../../../protocol/dto';
import {
  MAX_CHANNEL_BARS,
  channelErrorTraces,
  channelRangeTraces,
  channelsPerBar,
  type VariantChannels,
} from './channel-traces';

const ramp = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

function variant(n: number, zeroedAt: number[] = [], lowAt = -1): VariantChannels {
  const errors: ChannelErrorsDto = {
    axis: 0,
    sqnrDb: ramp(n, (i) => (i === lowAt ? 1 : 30 + (i % 3))),
    rmsError: ramp(n, (i) => i / 1000),
    zeroed: Uint8Array.from({ length: n }, (_, i) => (zeroedAt.includes(i) ? 1 : 0)),
    zeroedCount: zeroedAt.length,
    step: null,
    levels: null,
  };
  return { id: 'v', label: '4-bit', color: '#f59e0b', runId: 'r', errors, equalized: false };
}

describe('channel bars', () => {
  it.each([
    { channels: 16, perBar: 1, bars: 16 },
    { channels: MAX_CHANNEL_BARS, perBar: 1, bars: MAX_CHANNEL_BARS },
    { channels: MAX_CHANNEL_BARS + 1, perBar: 2, bars: 65 },
    { channels: 640, perBar: 5, bars: 128 },
    { channels: 1000, perBar: 8, bars: 125 },
  ])('$channels channels: $perBar per bar, $bars bars', ({ channels, perBar, bars }) => {
    expect(channelsPerBar(channels)).toBe(perBar);
    const [range] = channelRangeTraces('w', {
      axis: 0,
      min: ramp(channels, (i) => -i),
      max: ramp(channels, (i) => i),
    });
    expect(range.x).toHaveLength(bars);
    // The envelope: the last bar reaches the last channel's max and the first channel's... own min.
    const base = range.base as number[];
    const y = range.y as number[];
    expect(base[bars - 1] + y[bars - 1]).toBe(channels - 1);
    expect(base[0]).toBe(-(perBar - 1));
    const [sqnr] = channelErrorTraces([variant(channels)]);
    expect(sqnr.x).toHaveLength(bars);
  });

  it.each([
    { channels: 16, lowAt: 7, zeroedAt: [3, 4], zeroMarks: 2, lowBar: 7 },
    { channels: 640, lowAt: 333, zeroedAt: [3, 4, 600], zeroMarks: 2, lowBar: 66 },
  ])(
    '$channels channels: the worst channel shows, zeroed channels are marked',
    ({ channels, lowAt, zeroedAt, zeroMarks, lowBar }) => {
      const [bars, zeroed] = channelErrorTraces([variant(channels, zeroedAt, lowAt)]);
      const y = bars.y as number[];
      expect(Math.min(...y)).toBe(1);
      expect(y.indexOf(1)).toBe(lowBar);
      expect(zeroed.x).toHaveLength(zeroMarks);
      expect(zeroed.name).toContain(`(${zeroedAt.length})`);
    },
  );
});
