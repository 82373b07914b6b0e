import { InvalidParameter } from '../core/errors.js';

/**
 * @module Promotion gates: conditions on the source run's metrics, such as `metrics.auc >= 0.85`
 * or `fairness.di_ratio >= 0.8`. A key without the `metrics.` prefix is the metric's full name
 * (evaluation suites log dotted names like `fairness.di_ratio`); backticks quote odd keys.
 */
export type GateOp = '>=' | '>' | '<=' | '<' | '=' | '!=';

export interface Gate {
  /** As written, for messages and the audit log. */
  expression: string;
  metric: string;
  op: GateOp;
  threshold: number;
}

export interface GateResult {
  gate: string;
  metric: string;
  /** The run's latest value, or null when the run never logged the metric (a failed gate). */
  value: number | null;
  passed: boolean;
}

const GATE_RE = /^\s*(?:metrics?\.)?(`[^`]+`|[\w./:-]+)\s*(>=|<=|==|!=|=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

export function parseGate(expression: string, where = 'gates'): Gate {
  if (typeof expression !== 'string') throw new InvalidParameter(`Invalid value for parameter '${where}': expected a string such as 'metrics.auc >= 0.85'.`);
  const m = GATE_RE.exec(expression);
  if (!m) {
    throw new InvalidParameter(`Invalid gate '${expression.slice(0, 100)}' in '${where}': write '<metric> <op> <number>', e.g. 'metrics.auc >= 0.85' (op one of >=, >, <=, <, =, !=).`);
  }
  const metric = m[1]!.replace(/^`|`$/g, '');
  const op = (m[2] === '==' ? '=' : m[2]) as GateOp;
  return { expression: expression.trim(), metric, op, threshold: Number(m[3]) };
}

function holds(value: number, op: GateOp, t: number): boolean {
  switch (op) {
    case '>=': return value >= t;
    case '>': return value > t;
    case '<=': return value <= t;
    case '<': return value < t;
    case '=': return value === t;
    case '!=': return value !== t;
  }
}

/** Evaluates gates on a run's latest metrics. NaN never passes; a missing metric fails. */
export function evaluateGates(gates: Gate[], metrics: Map<string, number>): GateResult[] {
  return gates.map((g) => {
    const value = metrics.has(g.metric) ? metrics.get(g.metric)! : null;
    const passed = value !== null && !Number.isNaN(value) && holds(value, g.op, g.threshold);
    return { gate: g.expression, metric: g.metric, value, passed };
  });
}

/** One line per failed gate, for error messages. */
export function describeFailures(results: GateResult[]): string {
  return results
    .filter((r) => !r.passed)
    .map((r) => `${r.gate} (${r.value === null ? `${r.metric} was not logged by the source run` : `${r.metric} = ${r.value}`})`)
    .join('; ');
}
