import { useState } from 'react';
import { mlflow } from '../api/client';
import { ErrorLine, useAsync } from './common';

interface FileInfo { path: string; is_dir: boolean; file_size?: number }
const url = (runId: string, path: string) => `/get-artifact?run_id=${runId}&path=${encodeURIComponent(path)}`;
const PREVIEW_BYTES = 200_000;

function parseCsv(text: string): string[][] {
  return text.split(/\r?\n/).filter(Boolean).slice(0, 200).map((l) => l.split(','));
}

function Preview({ runId, file }: { runId: string; file: FileInfo }) {
  const ext = file.path.split('.').pop()?.toLowerCase() ?? '';
  const name = file.path.split('/').pop() ?? '';
  const isImage = ['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp'].includes(ext);
  const isHtml = ext === 'html' || ext === 'htm';
  const text = useAsync(async () => {
    if (isImage || isHtml) return '';
    if ((file.file_size ?? 0) > PREVIEW_BYTES) return null;
    const res = await fetch(url(runId, file.path));
    return res.text();
  }, [runId, file.path]);
  if (isImage) return <img className="preview-img" alt={file.path} src={url(runId, file.path)} />;
  // HTML from a run is untrusted: sandboxed with no scripts and no same-origin access.
  if (isHtml) return <iframe title={file.path} className="preview-html" sandbox="" src={url(runId, file.path)} />;
  if (text.data === null) return <p className="muted">Too large to preview ({file.file_size} bytes). <a href={url(runId, file.path)}>Download</a></p>;
  if (text.data === undefined) return <ErrorLine error={text.error} />;
  if (ext === 'csv') {
    const rows = parseCsv(text.data);
    return <table className="grid csv"><thead><tr>{rows[0]?.map((h, i) => <th key={i}>{h}</th>)}</tr></thead><tbody>{rows.slice(1).map((r, i) => <tr key={i}>{r.map((c, j) => <td key={j}>{c}</td>)}</tr>)}</tbody></table>;
  }
  if (ext === 'json' || name === 'MLmodel') {
    let pretty = text.data;
    try { pretty = JSON.stringify(JSON.parse(text.data), null, 2); } catch { /* MLmodel is YAML: shown as text */ }
    return <div>{name === 'MLmodel' && <p className="badge">model manifest</p>}<pre className="code">{pretty}</pre></div>;
  }
  return <pre className="code">{text.data}</pre>;
}

/** A run's artifacts: folders open in place, a file previews as text, JSON, a CSV table, an image, sandboxed HTML or a model manifest. */
export function ArtifactBrowser({ runId, path, onPath }: { runId: string; path: string; onPath: (p: string) => void }) {
  const dir = path.endsWith('/') || !path ? path.replace(/\/$/, '') : path.split('/').slice(0, -1).join('/');
  const list = useAsync(() => mlflow<{ files?: FileInfo[] }>('GET', '/artifacts/list', { run_id: runId, path: dir }), [runId, dir]);
  const [selected, setSelected] = useState<FileInfo | null>(null);
  const file = selected && selected.path === path ? selected : (list.data?.files ?? []).find((f) => f.path === path && !f.is_dir) ?? null;
  return (
    <div className="artifacts">
      <div className="tree-list">
        <div className="muted">/{dir}</div>
        {dir && <div><a href="#" onClick={(e) => (e.preventDefault(), onPath(dir.split('/').slice(0, -1).join('/') ? dir.split('/').slice(0, -1).join('/') + '/' : ''))}>..</a></div>}
        <ErrorLine error={list.error} />
        {(list.data?.files ?? []).map((f) => (
          <div key={f.path} className={f.path === path ? 'on' : ''}>
            <a href="#" onClick={(e) => (e.preventDefault(), f.is_dir ? onPath(f.path + '/') : (setSelected(f), onPath(f.path)))}>{f.is_dir ? '📁 ' : ''}{f.path.split('/').pop()}</a>
            {!f.is_dir && <span className="muted"> {f.file_size} B</span>}
          </div>
        ))}
        {list.data && !(list.data.files ?? []).length && <p className="muted">No artifacts.</p>}
      </div>
      <div className="preview">{file ? <><div className="toolbar"><b>{file.path}</b> <a href={url(runId, file.path)}>download</a></div><Preview runId={runId} file={file} /></> : <p className="muted">Choose a file to preview.</p>}</div>
    </div>
  );
}
