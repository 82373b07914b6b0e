import { describe, expect, it } from 'vitest';
import { decodeMetricBatch, encodeMetricBatch, HEADER_BYTES, isMetricsBinary, POINT_BYTES } from './metric-batch-binary.js';

const points = [
  { key: 'loss', value: 0.25, timestamp: 1_700_000_000_123, step: 0 },
  { key: 'acc/top-1', value: NaN, timestamp: 1_700_000_000_124, step: 2 ** 40 + 7 },
  { key: 'loss', value: -Infinity, timestamp: 0, step: -5 },
  { key: 'ümlaut key', value: Number.MAX_VALUE, timestamp: Number.MAX_SAFE_INTEGER, step: Number.MIN_SAFE_INTEGER + 1 },
  { key: 'loss', value: 5e-324, timestamp: 2 ** 32, step: 2 ** 32 - 1 },
];

describe('binary metric batch', () => {
  it('round-trips keys, values (NaN, ±Infinity, subnormals), 64-bit timestamps and steps', () => {
    const bytes = encodeMetricBatch(points);
    const dict = Buffer.byteLength('loss\nacc/top-1\nümlaut key');
    expect(bytes.length).toBe(HEADER_BYTES + POINT_BYTES * points.length + dict);
    const c = decodeMetricBatch(bytes);
    expect(c.keys).toEqual(['loss', 'acc/top-1', 'ümlaut key']);
    const back = Array.from(c.values, (value, i) => ({ key: c.keys[c.keyIndex[i]!], value, timestamp: c.timestamps[i], step: c.steps[i] }));
    expect(back).toEqual(points);
  });

  it('reads a body at an unaligned offset of a larger buffer (copied, same values)', () => {
    const bytes = encodeMetricBatch(points);
    const big = Buffer.alloc(bytes.length + 3);
    big.set(bytes, 3);
    const c = decodeMetricBatch(big.subarray(3));
    expect(Array.from(c.steps)).toEqual(points.map((p) => p.step));
  });

  it('an empty batch is valid', () => {
    const c = decodeMetricBatch(encodeMetricBatch([]));
    expect(c.keys).toEqual([]);
    expect(c.values.length).toBe(0);
  });

  it('refuses structural faults with a message naming them', () => {
    const good = encodeMetricBatch(points);
    const fault = (edit: (b: Uint8Array, dv: DataView) => Uint8Array | void) => {
      const b = new Uint8Array(good);
      const out = edit(b, new DataView(b.buffer)) ?? b;
      return () => decodeMetricBatch(out);
    };
    expect(fault((b) => b.subarray(0, 10))).toThrow(/shorter than the 24-byte header/);
    expect(fault((b) => b.subarray(0, b.length - 1))).toThrow(/announces 5 points .* but the body has/);
    expect(fault((_b, dv) => dv.setUint32(0, 0x12345678, true))).toThrow(/does not start with "TYMB"/);
    expect(fault((_b, dv) => dv.setUint8(4, 9))).toThrow(/version 9 is not supported/);
    expect(fault((_b, dv) => dv.setUint32(HEADER_BYTES + 24 * points.length + 4, 3, true))).toThrow(/point 1 has key index 3, but the dictionary holds 3 keys/);
    expect(fault((_b, dv) => dv.setUint32(12, 2, true))).toThrow(/announces 2 keys, the dictionary holds 3/);
    expect(fault((b) => void (b[b.length - 1] = 0xff))).toThrow(/not valid UTF-8/);
    // timestamp of point 0 with its high word past 2^21: not an exact JavaScript integer.
    expect(fault((_b, dv) => dv.setInt32(HEADER_BYTES + 8 * points.length + 4, 0x400000, true))).toThrow(/timestamp of point 0: .* exact integer range/);
    // An InvalidParameter: the server answers it as a 400 with MLflow's error JSON.
    expect(fault((b) => b.subarray(0, 3))).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER_VALUE', status: 400 }));
  });

  it('encoding refuses what cannot be sent exactly', () => {
    expect(() => encodeMetricBatch([{ key: 'a', value: 1, timestamp: 1.5, step: 0 }])).toThrow(/timestamp of metric 'a'/);
    expect(() => encodeMetricBatch([{ key: 'a', value: 1, timestamp: 1, step: 2 ** 53 }])).toThrow(/step of metric 'a'/);
    expect(() => encodeMetricBatch([{ key: 'a\nb', value: 1, timestamp: 1, step: 0 }])).toThrow(/line break/);
  });

  it('recognises its Content-Type with parameters and in any case', () => {
    expect(isMetricsBinary('application/vnd.trainyard.metrics+binary')).toBe(true);
    expect(isMetricsBinary('Application/Vnd.Trainyard.Metrics+Binary; v=1')).toBe(true);
    expect(isMetricsBinary('application/json')).toBe(false);
    expect(isMetricsBinary(undefined)).toBe(false);
  });
});
