import { useEffect, useRef, useState } from 'react';

/** An ECharts chart, the library loaded only when a page first needs one (it is ~1 MB). */
export function EChart({ option, height = 320, label }: { option: Record<string, unknown>; height?: number; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let chart: { setOption: (o: unknown) => void; dispose: () => void } | undefined;
    let live = true;
    import('echarts').then((echarts) => {
      if (!live || !box.current) return;
      chart = echarts.init(box.current, undefined, { renderer: 'canvas' });
      chart.setOption(option);
      box.current.dataset.ready = '1';
    }, (e) => setErr(String(e)));
    return () => {
      live = false;
      chart?.dispose();
    };
  }, [JSON.stringify(option)]);
  return <div className="echart" aria-label={label}>{err && <div className="error">{err}</div>}<div ref={box} style={{ height, width: '100%' }} /></div>;
}
