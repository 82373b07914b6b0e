import { useRef, useState } from 'react';
import type { Keys } from '../api/types';
import { completions } from '../lib/url-state';

/** The filter box: MLflow's grammar, key autocomplete, and the server's error inline under it. */
export function SearchBox({ value, keys, error, onSubmit }: { value: string; keys: Keys | undefined; error: string | null; onSubmit: (v: string) => void }) {
  const [text, setText] = useState(value);
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const sugg = keys && open ? completions(text, cursor, keys) : { from: 0, items: [] };
  const accept = (item: string) => {
    const next = text.slice(0, sugg.from) + item + ' ' + text.slice(cursor);
    setText(next);
    setOpen(false);
    input.current?.focus();
  };
  return (
    <form className="search" onSubmit={(e) => (e.preventDefault(), setOpen(false), onSubmit(text))}>
      <input
        ref={input}
        aria-label="filter runs"
        placeholder="metrics.loss < 0.5 and params.lr = '0.01'"
        value={text}
        onChange={(e) => (setText(e.target.value), setCursor(e.target.selectionStart ?? e.target.value.length), setOpen(true))}
        onKeyDown={(e) => {
          if (e.key === 'Tab' && sugg.items.length) (e.preventDefault(), accept(sugg.items[0]!));
          if (e.key === 'Escape') setOpen(false);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      <button type="submit">Search</button>
      {sugg.items.length > 0 && (
        <ul className="suggest" role="listbox">
          {sugg.items.map((s) => <li key={s} role="option" onMouseDown={(e) => (e.preventDefault(), accept(s))}>{s}</li>)}
        </ul>
      )}
      {error && <div className="error inline" role="alert">{error}</div>}
    </form>
  );
}
