import { InvalidParameter } from '../../core/errors.js';

/**
 * @module A model's input/output schema, and its MLflow form: `MLmodel` stores `signature.inputs`
 * and `signature.outputs` as JSON strings inside the YAML, each a list of column specs
 * (`{"type": "double", "name": "age"}`) or tensor specs
 * (`{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}}`).
 */

/** One input or output. With `shape` it is a tensor of dtype `type`; without, a column. */
export interface SchemaField {
  name?: string;
  type: string;
  /** Tensor dimensions; -1 for a variable one (the batch). */
  shape?: number[];
  /** Columns only: may be missing from an input row. */
  optional?: boolean;
}

export interface ModelSignature {
  inputs: SchemaField[];
  outputs?: SchemaField[];
}

/** MLflow's column types (mlflow.types.DataType). */
export const COLUMN_TYPES = ['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime'] as const;
/** numpy dtypes MLflow accepts in tensor specs. */
export const TENSOR_DTYPES = [
  'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64', 'str', 'bytes', 'object',
] as const;

function specOf(f: SchemaField, where: string): Record<string, unknown> {
  if (!f || typeof f !== 'object' || typeof f.type !== 'string') throw new InvalidParameter(`Invalid signature ${where}: expected {name?, type, shape?}.`);
  if (f.name !== undefined && (typeof f.name !== 'string' || !f.name)) throw new InvalidParameter(`Invalid signature ${where}.name: expected a non-empty string.`);
  if (f.shape !== undefined) {
    if (!Array.isArray(f.shape) || f.shape.some((d) => !Number.isInteger(d) || d < -1 || d === 0)) {
      throw new InvalidParameter(`Invalid signature ${where}.shape: expected a list of positive integers or -1 (e.g. [-1, 28, 28]).`);
    }
    if (!(TENSOR_DTYPES as readonly string[]).includes(f.type)) throw new InvalidParameter(`Invalid signature ${where}.type '${f.type}' for a tensor: use one of ${TENSOR_DTYPES.join(', ')}.`);
    return { type: 'tensor', 'tensor-spec': { dtype: f.type, shape: f.shape }, ...(f.name ? { name: f.name } : {}) };
  }
  if (!(COLUMN_TYPES as readonly string[]).includes(f.type)) {
    throw new InvalidParameter(`Invalid signature ${where}.type '${f.type}': use one of ${COLUMN_TYPES.join(', ')}, or give a shape for a tensor.`);
  }
  return { type: f.type, ...(f.name ? { name: f.name } : {}), required: !f.optional };
}

/** The `signature:` block of an MLmodel file. */
export function signatureToMlflow(sig: ModelSignature): { inputs: string; outputs: string | null; params: null } {
  if (!sig || !Array.isArray(sig.inputs) || !sig.inputs.length) throw new InvalidParameter('Invalid signature: it needs at least one input.');
  const inputs = sig.inputs.map((f, i) => specOf(f, `inputs[${i}]`));
  const outputs = sig.outputs?.map((f, i) => specOf(f, `outputs[${i}]`));
  return { inputs: JSON.stringify(inputs), outputs: outputs ? JSON.stringify(outputs) : null, params: null };
}

/** Reads an MLmodel `signature:` block back (for model cards); unreadable parts become []. */
export function signatureFromMlflow(block: unknown): ModelSignature | undefined {
  if (!block || typeof block !== 'object') return undefined;
  const b = block as { inputs?: unknown; outputs?: unknown };
  const read = (s: unknown): SchemaField[] => {
    try {
      const list = typeof s === 'string' ? (JSON.parse(s) as Record<string, unknown>[]) : [];
      return list.map((x) => {
        const ts = x['tensor-spec'] as { dtype?: string; shape?: number[] } | undefined;
        return x.type === 'tensor' && ts
          ? { ...(x.name ? { name: String(x.name) } : {}), type: String(ts.dtype), shape: ts.shape ?? [] }
          : { ...(x.name ? { name: String(x.name) } : {}), type: String(x.type), ...(x.required === false ? { optional: true } : {}) };
      });
    } catch {
      return [];
    }
  };
  return { inputs: read(b.inputs), outputs: read(b.outputs) };
}
