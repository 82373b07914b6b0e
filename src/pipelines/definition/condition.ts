/**
 * @module Conditions on earlier outputs: `steps.evaluate.auc >= 0.85 and params.register == true`.
 * Operands: `steps.<step>.<output>[.<field>...]` (YAML may write `steps.<step>.outputs.<output>`),
 * `params.<name>`, numbers, 'strings', true, false, null. Operators: == != >= > <= <, and, or,
 * not, parentheses. A bare operand is true when truthy. Parsed once at compile time so a typo is
 * refused before anything runs.
 */
export type Operand = { kind: 'step'; step: string; output: string; path: string[] } | { kind: 'param'; name: string } | { kind: 'literal'; value: unknown };
export type Condition =
  | { op: 'and' | 'or'; left: Condition; right: Condition }
  | { op: 'not'; arg: Condition }
  | { op: '==' | '!=' | '>=' | '>' | '<=' | '<'; left: Operand; right: Operand }
  | { op: 'truthy'; arg: Operand };

const TOKEN = /\s*(>=|<=|==|!=|>|<|\(|\)|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[A-Za-z_][\w.-]*)/y;

export function parseCondition(text: string): Condition {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`cannot read '${text.slice(at).trim().slice(0, 30)}'`);
    tokens.push(m[1]!);
    at = TOKEN.lastIndex;
  }
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const operand = (): Operand => {
    const t = next();
    if (t === undefined) throw new Error('expected a value at the end');
    if (/^['"]/.test(t)) return { kind: 'literal', value: t.slice(1, -1).replace(/\\(.)/g, '$1') };
    if (/^[-+.\d]/.test(t)) return { kind: 'literal', value: Number(t) };
    if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
    if (t === 'null') return { kind: 'literal', value: null };
    const parts = t.split('.');
    if (parts[0] === 'params' && parts.length === 2) return { kind: 'param', name: parts[1]! };
    if (parts[0] === 'steps' && parts.length >= 3) {
      const rest = parts.slice(2);
      if (rest[0] === 'outputs' && rest.length >= 2) rest.shift();
      return { kind: 'step', step: parts[1]!, output: rest[0]!, path: rest.slice(1) };
    }
    throw new Error(`'${t}' is not steps.<step>.<output> or params.<name>`);
  };
  const comparison = (): Condition => {
    if (peek() === 'not') {
      next();
      return { op: 'not', arg: comparison() };
    }
    if (peek() === '(') {
      next();
      const c = or();
      if (next() !== ')') throw new Error("missing ')'");
      return c;
    }
    const left = operand();
    const op = peek();
    if (op && ['==', '!=', '>=', '>', '<=', '<'].includes(op)) {
      next();
      return { op: op as '==', left, right: operand() };
    }
    return { op: 'truthy', arg: left };
  };
  const and = (): Condition => {
    let c = comparison();
    while (peek() === 'and') {
      next();
      c = { op: 'and', left: c, right: comparison() };
    }
    return c;
  };
  const or = (): Condition => {
    let c = and();
    while (peek() === 'or') {
      next();
      c = { op: 'or', left: c, right: and() };
    }
    return c;
  };
  const c = or();
  if (i < tokens.length) throw new Error(`unexpected '${tokens[i]}'`);
  return c;
}

export function conditionSteps(c: Condition): Operand[] {
  switch (c.op) {
    case 'and':
    case 'or':
      return [...conditionSteps(c.left), ...conditionSteps(c.right)];
    case 'not':
      return conditionSteps(c.arg);
    case 'truthy':
      return [c.arg];
    default:
      return [c.left, c.right];
  }
}

export interface ConditionScope {
  output(step: string, output: string): unknown;
  param(name: string): unknown;
}

function valueOf(o: Operand, scope: ConditionScope): unknown {
  if (o.kind === 'literal') return o.value;
  if (o.kind === 'param') return scope.param(o.name);
  let v = scope.output(o.step, o.output);
  for (const p of o.path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

export function evaluateCondition(c: Condition, scope: ConditionScope): boolean {
  switch (c.op) {
    case 'and':
      return evaluateCondition(c.left, scope) && evaluateCondition(c.right, scope);
    case 'or':
      return evaluateCondition(c.left, scope) || evaluateCondition(c.right, scope);
    case 'not':
      return !evaluateCondition(c.arg, scope);
    case 'truthy':
      return Boolean(valueOf(c.arg, scope));
    default: {
      const a = valueOf(c.left, scope) as number;
      const b = valueOf(c.right, scope) as number;
      switch (c.op) {
        case '==': return a === b;
        case '!=': return a !== b;
        case '>=': return a >= b;
        case '>': return a > b;
        case '<=': return a <= b;
        case '<': return a < b;
      }
    }
  }
  return false;
}
