/**
 * Splits CSV text into rows of fields (RFC 4180: quoted fields may hold commas, quotes as "" and
 * newlines), fed chunk by chunk so a large file streams through in constant memory.
 */
export class CsvRows {
  private field = '';
  private row: string[] = [];
  private quoted = false;
  private afterQuote = false;

  constructor(private readonly onRow: (fields: string[]) => void) {}

  push(chunk: string): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.quoted) {
        if (c === '"') {
          if (chunk[i + 1] === '"') {
            this.field += '"';
            i++;
          } else {
            this.quoted = false;
            this.afterQuote = true;
          }
        } else this.field += c;
        continue;
      }
      if (c === '"' && this.field === '' && !this.afterQuote) this.quoted = true;
      else if (c === ',') this.endField();
      else if (c === '\n') this.endRow();
      else if (c === '\r') continue;
      else this.field += c;
    }
  }

  end(): void {
    if (this.field !== '' || this.row.length) this.endRow();
  }

  private endField(): void {
    this.row.push(this.field);
    this.field = '';
    this.afterQuote = false;
  }

  private endRow(): void {
    this.endField();
    const row = this.row;
    this.row = [];
    // A blank line is not a row (files often end with one).
    if (!(row.length === 1 && row[0] === '')) this.onRow(row);
  }
}
