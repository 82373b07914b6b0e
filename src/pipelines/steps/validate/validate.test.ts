import { describe, expect, it } from 'vitest';
import type { Table } from '../data/table.js';
import { parseCsv } from '../data/table.js';
import { rng } from '../metrics/sklearn-reference.js';
import { checkSchema, type DataSchema } from './schema.js';
import { validateTable, validationCsv } from './validate-table.js';

const schema: DataSchema = {
  columns: {
    age: { type: 'integer', min: 0, max: 120 },
    income: { type: 'number', nullable: true },
    color: { type: 'category', values: ['red', 'blue'] },
  },
};

function table(n: number, seed: number, shift = 0): Table {
  const r = rng(seed);
  return {
    columns: ['age', 'income', 'color'],
    rows: Array.from({ length: n }, () => ({ age: Math.round(20 + r() * 40 + shift), income: r() < 0.1 ? null : r() * 1000, color: r() < 0.5 ? 'red' : 'blue' })),
  };
}

describe('validateTable', () => {
  it('passes clean data with a report row per column', () => {
    const rep = validateTable(table(500, 1), schema, table(500, 2));
    expect(rep.status).toBe('ok');
    expect(rep.columns.map((c) => c.column)).toEqual(['age', 'income', 'color']);
    expect(rep.columns[1]!.nulls).toBeGreaterThan(0);
    expect(rep.columns[0]!.psi).toBeLessThan(0.1);
    expect(validationCsv(rep).split('\n')[1]).toMatch(/^age,integer,ok,500,/);
  });

  it('collects every schema failure (lazy), with ERROR by default and WARN when asked', () => {
    const t = table(100, 3);
    t.rows[0]!.age = -1;
    t.rows[1]!.age = 200;
    t.rows[2]!.age = 3.5;
    t.rows[3]!.color = 'green';
    t.rows[4]!.color = null;
    t.columns.push('extra');
    const rep = validateTable(t, { ...schema, columns: { ...schema.columns, color: { ...schema.columns.color!, severity: 'warn' } }, extraColumns: 'warn' });
    const age = rep.columns.find((c) => c.column === 'age')!;
    expect(age.status).toBe('error');
    expect(age.findings.map((f) => f.check).sort()).toEqual(['max', 'min', 'type']);
    const color = rep.columns.find((c) => c.column === 'color')!;
    expect(color.status).toBe('warn');
    expect(color.findings.map((f) => f.message).join()).toMatch(/1 null value.*1 value\(s\) outside the allowed categories: 'green' \(1\)/);
    expect(rep.columns.find((c) => c.column === 'extra')!.findings[0]!.check).toBe('unexpected');
    expect(rep.status).toBe('error');
    expect(rep.errors).toBe(3);
  });

  it('flags drift over the thresholds: WARN over warn, ERROR over error', () => {
    const ref = table(2000, 4);
    const moved = table(2000, 5, 15);
    const rep = validateTable(moved, { ...schema, drift: { psi: { warn: 0.1, error: 10 }, ks: { warn: 0.1 } } }, ref);
    const age = rep.columns.find((c) => c.column === 'age')!;
    expect(age.psi).toBeGreaterThan(0.2);
    expect(age.ks).toBeGreaterThan(0.2);
    expect(age.status).toBe('warn');
    const strict = validateTable(moved, { ...schema, drift: { psi: { error: 0.2 } } }, ref);
    expect(strict.columns.find((c) => c.column === 'age')!.findings.some((f) => f.severity === 'error' && f.check === 'drift.psi')).toBe(true);
    expect(strict.status).toBe('error');
    const off = validateTable(moved, { ...schema, columns: { ...schema.columns, age: { ...schema.columns.age!, drift: false } } }, ref);
    expect(off.columns.find((c) => c.column === 'age')!.psi).toBeUndefined();
  });

  it('a missing column is an error', () => {
    const t = table(10, 6);
    const rep = validateTable({ columns: ['age', 'color'], rows: t.rows.map(({ income: _i, ...r }) => r) }, schema);
    expect(rep.columns.find((c) => c.column === 'income')!.findings[0]).toMatchObject({ severity: 'error', check: 'present' });
  });
});

describe('checkSchema', () => {
  it('names the column and field at fault', () => {
    expect(() => checkSchema({ columns: { age: { type: 'int' as never } } })).toThrow(/schema\.columns\.age\.type: expected one of/);
    expect(() => checkSchema({ columns: { age: { type: 'number', min: 5, max: 1 } } })).toThrow(/columns\.age: min 5 is above max 1/);
    expect(() => checkSchema({ columns: { c: { type: 'category', min: 1 } } })).toThrow(/columns\.c: min\/max apply to number/);
    expect(() => checkSchema({ columns: {}, drift: { wasserstein: {} } as never })).toThrow(/unknown drift figure 'wasserstein'/);
  });
});

describe('parseCsv', () => {
  it('reads quoted fields, nulls and numeric columns', () => {
    const t = parseCsv('a,b,c\n1,"x, y",?\n2,"say ""hi""",3\n');
    expect(t.rows).toEqual([{ a: 1, b: 'x, y', c: null }, { a: 2, b: 'say "hi"', c: 3 }]);
    expect(() => parseCsv('a,b\n1\n', {}, 'f.csv')).toThrow(/f\.csv, line 2: 1 fields but 2 columns/);
  });
});
