/** Counting distinct values exactly costs memory; past this many the count is a lower bound. */
export const DISTINCT_CAP = 100_000;

export type ColumnType = 'long' | 'double' | 'boolean' | 'string';

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  nulls: number;
  count: number;
  distinct: number;
  /** True when `distinct` stopped counting at DISTINCT_CAP. */
  distinct_capped?: boolean;
  min?: number | string;
  max?: number | string;
  mean?: number;
}

const NULLS = new Set(['', '?', 'NA', 'N/A', 'null', 'NULL', 'None', 'nan', 'NaN']);

/** Streaming statistics of one column: type inferred as the narrowest that fits every value. */
export class ColumnStats {
  private nulls = 0;
  private count = 0;
  private numeric = true;
  private integral = true;
  private boolean = true;
  private sum = 0;
  private minN = Infinity;
  private maxN = -Infinity;
  private minS: string | undefined;
  private maxS: string | undefined;
  private readonly distinct = new Set<string>();
  private capped = false;

  constructor(readonly name: string) {}

  add(raw: unknown): void {
    this.count++;
    if (raw === null || raw === undefined) {
      this.nulls++;
      return;
    }
    const s = typeof raw === 'string' ? raw.trim() : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    if (NULLS.has(s)) {
      this.nulls++;
      return;
    }
    if (this.distinct.size < DISTINCT_CAP) this.distinct.add(s);
    else if (!this.distinct.has(s)) this.capped = true;
    if (this.boolean && !/^(true|false)$/i.test(s)) this.boolean = false;
    const n = typeof raw === 'number' ? raw : Number(s);
    if (this.numeric && (s === '' || !Number.isFinite(n))) this.numeric = false;
    if (this.numeric) {
      if (!Number.isInteger(n)) this.integral = false;
      this.sum += n;
      if (n < this.minN) this.minN = n;
      if (n > this.maxN) this.maxN = n;
    }
    if (this.minS === undefined || s < this.minS) this.minS = s;
    if (this.maxS === undefined || s > this.maxS) this.maxS = s;
  }

  profile(): ColumnProfile {
    const present = this.count - this.nulls;
    const type: ColumnType = present === 0 ? 'string' : this.boolean ? 'boolean' : this.numeric ? (this.integral ? 'long' : 'double') : 'string';
    const p: ColumnProfile = { name: this.name, type, nulls: this.nulls, count: this.count, distinct: this.distinct.size };
    if (this.capped) p.distinct_capped = true;
    if (present && (type === 'long' || type === 'double')) {
      p.min = this.minN;
      p.max = this.maxN;
      p.mean = this.sum / present;
    } else if (present && type === 'string') {
      p.min = this.minS;
      p.max = this.maxS;
    }
    return p;
  }
}
