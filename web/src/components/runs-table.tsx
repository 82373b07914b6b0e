import { useVirtualizer, type Range } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, type CSSProperties, type ReactNode } from 'react';
import { metricOf, num, paramOf, tagOf, type MetricSummary, type Run } from '../api/types';
import type { TreeRow } from '../lib/runs-tree';
import { columnId, type Column } from '../lib/url-state';
import { Link } from '../router';
import { duration, fmtNum } from './common';

/** Every row's height, fixed (also in styles.css): nothing is measured per row. */
export const ROW_H = 30;
/** Rows rendered beyond each edge of the view: a few, for slow scrolls; a fast one replaces all rows anyway. */
const OVERSCAN = 4;

/**
 * The rendered window: always `slots` consecutive rows (fewer only when the table is shorter),
 * each keyed by its index modulo `slots`. A row scrolling out hands its slot, and so its DOM
 * nodes, to the row scrolling in, so a scroll frame rewrites text instead of removing and
 * creating elements. (Keyed by a pool larger than the window, leaving and entering rows never
 * shared a key: in Chromium's profile, creating and removing rows was most of a frame's script
 * time.) `slots` follows the viewport's height, so it changes only on resize.
 */
export function windowOf(range: Range, slots: number): number[] {
  const n = Math.min(slots, range.count);
  const start = Math.max(0, Math.min(range.startIndex - OVERSCAN, range.count - n));
  return Array.from({ length: n }, (_, i) => start + i);
}
export const slotsFor = (viewportPx: number) => Math.ceil(viewportPx / ROW_H) + 1 + 2 * OVERSCAN;

function cellValue(run: Run, c: Column, summaries: Map<string, MetricSummary>): string {
  if (c.family === 'params') return paramOf(run, c.key) ?? '';
  if (c.family === 'tags') return tagOf(run, c.key) ?? '';
  if (c.agg === 'last' || !c.agg) return fmtNum(metricOf(run, c.key));
  const s = summaries.get(`${run.info.run_id}/${c.key}`);
  return s ? fmtNum(num(c.agg === 'min' ? s.min : s.max)) : '';
}

interface RowProps {
  run: Run; depth: number; children: number; selected: boolean; expanded: boolean; start: number;
  /** Position in the whole table (1-based, for assistive tech: rows sit in the DOM by slot). */
  rowIndex: number;
  cols: Column[]; summaries: Map<string, MetricSummary>;
  onSelect: (id: string) => void; onExpand: (id: string) => void;
}

/** One row; memoized, so a scroll frame renders only the rows that came into view. */
const RunRow = memo(function RunRow({ run, depth, children, selected, expanded, start, rowIndex, cols, summaries, onSelect, onExpand }: RowProps) {
  const id = run.info.run_id;
  // Only the position is inline; the grid template and height come from the table's CSS.
  return (
    <div className={`vrow${selected ? ' selected' : ''}`} role="row" aria-rowindex={rowIndex} data-run={run.info.run_name} style={{ transform: `translateY(${start}px)` }}>
      <span><input type="checkbox" aria-label={`select ${run.info.run_name}`} checked={selected} onChange={() => onSelect(id)} /></span>
      <span style={{ paddingLeft: depth * 16 }}>
        {children > 0 && <button className="tree" aria-label={`expand ${run.info.run_name}`} onClick={() => onExpand(id)}>{expanded ? '▾' : '▸'} {children}</button>}
        <Link to={`/runs/${id}`}>{run.info.run_name || id.slice(0, 8)}</Link>
      </span>
      <span className={`status ${run.info.status}`}>{run.info.status}</span>
      <span>{duration(run.info.start_time, run.info.end_time)}</span>
      {cols.map((c) => <span key={columnId(c)} className="num">{cellValue(run, c, summaries)}</span>)}
    </div>
  );
});

interface Props {
  rows: TreeRow<Run>[]; cols: Column[]; summaries: Map<string, MetricSummary>;
  /** CSS grid-template-columns shared by the header and every row, and the sum of its minimum widths. */
  template: string; minWidth: number;
  sel: string[]; expanded: Set<string>; header: ReactNode; footer: ReactNode;
  /** Stable callbacks (the rows are memoized on them). */
  onSelect: (id: string) => void; onExpand: (id: string) => void;
  /** Called with the last rendered index as the view scrolls (for loading the next page). */
  onScrolledTo: (lastIndex: number) => void;
}

/**
 * The virtualized runs table. Its scroll state lives here, so a scroll frame re-renders this
 * component and the rows entering the view, never the page around it.
 */
export function RunsTable({ rows, cols, template, minWidth, summaries, sel, expanded, header, footer, onSelect, onExpand, onScrolledTo }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const slots = slotsFor(scroller.current?.clientHeight || window.innerHeight);
  const rangeExtractor = useCallback((r: Range) => windowOf(r, slots), [slots]);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: OVERSCAN, rangeExtractor });
  const items = virtual.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1]!.index : 0;
  useEffect(() => onScrolledTo(lastIndex), [lastIndex, rows.length]);
  const selected = new Set(sel);
  const n = items.length;
  // In slot order, so the DOM children never move: only their text and position change.
  const bySlot = [...items].sort((a, b) => (a.index % n) - (b.index % n));
  const style = { '--cols': template, '--row-min-width': `${minWidth}px` } as CSSProperties;
  return (
    <div className="vtable" ref={scroller} role="table" aria-label="runs" aria-rowcount={rows.length + 1} style={style}>
      <div className="vrow head" role="row" aria-rowindex={1}>{header}</div>
      <div className="vbody" style={{ height: virtual.getTotalSize() }}>
        {bySlot.map((it) => {
          const { run, depth, children } = rows[it.index]!;
          const id = run.info.run_id;
          return <RunRow key={it.index % n} run={run} depth={depth} children={children} selected={selected.has(id)} expanded={expanded.has(id)} start={it.start} rowIndex={it.index + 2} cols={cols} summaries={summaries} onSelect={onSelect} onExpand={onExpand} />;
        })}
      </div>
      {footer}
    </div>
  );
}
