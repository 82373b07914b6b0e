import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, type ReactNode } from 'react';
import { metricOf, num, paramOf, tagOf, type MetricSummary, type Run } from '../api/types';
import type { TreeRow } from '../lib/runs-tree';
import { columnId, type Column } from '../lib/url-state';
import { Link } from '../router';
import { duration, fmtNum } from './common';

export const ROW_H = 30;
/**
 * Rows are keyed by slot (index modulo a pool larger than any view), not by run: a row scrolling
 * out hands its DOM nodes to one scrolling in, so a frame updates text instead of removing and
 * creating elements (which was most of a scroll frame's script time in Chromium's profile).
 */
const POOL = 256;

function cellValue(run: Run, c: Column, summaries: Map<string, MetricSummary>): string {
  if (c.family === 'params') return paramOf(run, c.key) ?? '';
  if (c.family === 'tags') return tagOf(run, c.key) ?? '';
  if (c.agg === 'last' || !c.agg) return fmtNum(metricOf(run, c.key));
  const s = summaries.get(`${run.info.run_id}/${c.key}`);
  return s ? fmtNum(num(c.agg === 'min' ? s.min : s.max)) : '';
}

interface RowProps {
  run: Run; depth: number; children: number; selected: boolean; expanded: boolean; start: number;
  cols: Column[]; template: string; summaries: Map<string, MetricSummary>;
  onSelect: (id: string) => void; onExpand: (id: string) => void;
}

/** One row; memoized, so a scroll frame renders only the rows that came into view. */
const RunRow = memo(function RunRow({ run, depth, children, selected, expanded, start, cols, template, summaries, onSelect, onExpand }: RowProps) {
  const id = run.info.run_id;
  return (
    <div className={`vrow${selected ? ' selected' : ''}`} role="row" data-run={run.info.run_name} style={{ gridTemplateColumns: template, transform: `translateY(${start}px)`, height: ROW_H }}>
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
  rows: TreeRow<Run>[]; cols: Column[]; template: string; summaries: Map<string, MetricSummary>;
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
export function RunsTable({ rows, cols, template, summaries, sel, expanded, header, footer, onSelect, onExpand, onScrolledTo }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 10 });
  const items = virtual.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1]!.index : 0;
  useEffect(() => onScrolledTo(lastIndex), [lastIndex, rows.length]);
  const selected = new Set(sel);
  return (
    <div className="vtable" ref={scroller} role="table" aria-label="runs">
      <div className="vrow head" style={{ gridTemplateColumns: template }} role="row">{header}</div>
      <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {items.map((it) => {
          const { run, depth, children } = rows[it.index]!;
          const id = run.info.run_id;
          return <RunRow key={items.length <= POOL ? it.index % POOL : id} run={run} depth={depth} children={children} selected={selected.has(id)} expanded={expanded.has(id)} start={it.start} cols={cols} template={template} summaries={summaries} onSelect={onSelect} onExpand={onExpand} />;
        })}
      </div>
      {footer}
    </div>
  );
}
