import { InvalidParameter } from './errors.js';

/**
 * @module The binary metric batch (docs/metric-batch-binary.md is the specification): what the
 * SDKs send to `POST /api/2.0/mlflow/runs/log-batch?run_id=...` with
 * `Content-Type: application/vnd.trainyard.metrics+binary` instead of MLflow's JSON.
 *
 * Columns, little-endian, each 8-byte column 8-aligned from the start of the body so the decoder
 * reads them as typed-array views over the request buffer (no per-point parsing, no per-point
 * string). Keys travel once, in a dictionary, and each point names its key by index; the server
 * validates each distinct key once. Shared by the server (decode) and the TypeScript SDK
 * (encode), hence in core.
 */

export const METRICS_BINARY_TYPE = 'application/vnd.trainyard.metrics+binary';
export const METRICS_BINARY_VERSION = 1;
/** "TYMB" */
const MAGIC = 0x424d5954;
export const HEADER_BYTES = 24;
/** Bytes per point: value f64, timestamp i64, step i64, key index u32. */
export const POINT_BYTES = 28;
const TWO_32 = 4294967296;

/** A batch column-wise: point i has key keys[keyIndex[i]]. */
export interface MetricColumns {
  keys: string[];
  keyIndex: Uint32Array;
  values: Float64Array;
  /** Milliseconds since the epoch, as exact JavaScript integers. */
  timestamps: Float64Array;
  steps: Float64Array;
}

/** True when a Content-Type header names the binary batch (parameters such as charset ignored). */
export function isMetricsBinary(contentType: unknown): boolean {
  if (typeof contentType !== 'string') return false;
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === METRICS_BINARY_TYPE;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function writeInt64(dv: DataView, at: number, v: number, what: string): void {
  if (!Number.isSafeInteger(v)) throw new InvalidParameter(`Invalid ${what} ${v}: it must be an integer.`);
  const hi = Math.floor(v / TWO_32);
  dv.setUint32(at, v - hi * TWO_32, true);
  dv.setInt32(at + 4, hi, true);
}

/** Encodes points (grouped by key or not) into one binary batch. */
export function encodeMetricBatch(points: readonly { key: string; value: number; timestamp: number; step: number }[]): Uint8Array<ArrayBuffer> {
  const index = new Map<string, number>();
  const keys: string[] = [];
  for (const p of points) {
    if (!index.has(p.key)) {
      if (p.key.includes('\n')) throw new InvalidParameter(`Invalid metric name: '${p.key}'. Names may not contain a line break.`);
      index.set(p.key, keys.length);
      keys.push(p.key);
    }
  }
  const dict = utf8.encode(keys.join('\n'));
  const n = points.length;
  const out = new Uint8Array(HEADER_BYTES + POINT_BYTES * n + dict.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint8(4, METRICS_BINARY_VERSION);
  dv.setUint32(8, n, true);
  dv.setUint32(12, keys.length, true);
  dv.setUint32(16, dict.length, true);
  const vAt = HEADER_BYTES;
  const tAt = vAt + 8 * n;
  const sAt = tAt + 8 * n;
  const kAt = sAt + 8 * n;
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    dv.setFloat64(vAt + 8 * i, p.value, true);
    writeInt64(dv, tAt + 8 * i, p.timestamp, `timestamp of metric '${p.key}'`);
    writeInt64(dv, sAt + 8 * i, p.step, `step of metric '${p.key}'`);
    dv.setUint32(kAt + 4 * i, index.get(p.key)!, true);
  }
  out.set(dict, kAt + 4 * n);
  return out;
}

const bad = (what: string) => new InvalidParameter(`Malformed binary metric batch (${METRICS_BINARY_TYPE}): ${what}`);

/**
 * Reads a batch; every structural fault is a 400 naming it. Keys, timestamps and steps are
 * validated by the write path as for JSON (per distinct key, per point).
 */
export function decodeMetricBatch(body: Uint8Array): MetricColumns {
  // The magic first: a JSON body sent with this Content-Type by mistake is named as such.
  if (body.length >= 4 && !(body[0] === 0x54 && body[1] === 0x59 && body[2] === 0x4d && body[3] === 0x42)) throw bad(`it does not start with "TYMB".`);
  if (body.length < HEADER_BYTES) throw bad(`${body.length} bytes is shorter than the ${HEADER_BYTES}-byte header.`);
  // Typed-array views need aligned offsets; a body at an odd place in a pooled buffer is copied.
  const buf = body.byteOffset % 8 === 0 ? body : new Uint8Array(body);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = dv.getUint8(4);
  if (version !== METRICS_BINARY_VERSION) throw bad(`version ${version} is not supported (this server reads version ${METRICS_BINARY_VERSION}).`);
  const n = dv.getUint32(8, true);
  const k = dv.getUint32(12, true);
  const d = dv.getUint32(16, true);
  const expected = HEADER_BYTES + POINT_BYTES * n + d;
  if (buf.length !== expected) {
    throw bad(`the header announces ${n} points and a ${d}-byte key dictionary (${expected} bytes), but the body has ${buf.length} bytes.`);
  }
  if (n > 0 && k === 0) throw bad(`${n} points but no keys.`);
  const off = buf.byteOffset;
  const values = new Float64Array(buf.buffer, off + HEADER_BYTES, n);
  const t32 = new Int32Array(buf.buffer, off + HEADER_BYTES + 8 * n, 2 * n);
  const s32 = new Int32Array(buf.buffer, off + HEADER_BYTES + 16 * n, 2 * n);
  const keyIndex = new Uint32Array(buf.buffer, off + HEADER_BYTES + 24 * n, n);
  let keys: string[];
  try {
    keys = k === 0 ? [] : strictUtf8.decode(buf.subarray(HEADER_BYTES + POINT_BYTES * n)).split('\n');
  } catch {
    throw bad(`the key dictionary is not valid UTF-8.`);
  }
  if (keys.length !== k) throw bad(`the header announces ${k} keys, the dictionary holds ${keys.length}.`);
  const timestamps = new Float64Array(n);
  const steps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (keyIndex[i]! >= k) throw bad(`point ${i} has key index ${keyIndex[i]}, but the dictionary holds ${k} keys.`);
    // lo + hi * 2^32 is exact while |hi| < 2^21 (a safe integer); outside that, an error.
    const th = t32[2 * i + 1]!;
    const sh = s32[2 * i + 1]!;
    if (th >= 0x200000 || th < -0x200000) throw new InvalidParameter(`Invalid timestamp of point ${i}: it is outside JavaScript's exact integer range.`);
    if (sh >= 0x200000 || sh < -0x200000) throw new InvalidParameter(`Invalid step of point ${i}: it is outside JavaScript's exact integer range.`);
    timestamps[i] = th * TWO_32 + (t32[2 * i]! >>> 0);
    steps[i] = sh * TWO_32 + (s32[2 * i]! >>> 0);
  }
  return { keys, keyIndex, values, timestamps, steps };
}
