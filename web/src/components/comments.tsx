import { useState } from 'react';
import { actingUser, api } from '../api/client';
import { ErrorLine, fmtTime, useAsync } from './common';
import { Markdown } from './markdown';

interface Comment { id: string; author: string; body: string; created_at: number }

/** A run's comment thread; new comments are written as the acting user. */
export function Comments({ runId }: { runId: string }) {
  const list = useAsync(() => api<{ comments: Comment[] }>('GET', `/api/v1/runs/${runId}/comments`), [runId]);
  const [body, setBody] = useState('');
  const [err, setErr] = useState<string | null>(null);
  const post = async () => {
    setErr(null);
    try {
      await api('POST', `/api/v1/runs/${runId}/comments`, { body });
      setBody('');
      list.reload();
    } catch (e) {
      setErr((e as Error).message);
    }
  };
  return (
    <section className="comments">
      <h2>Comments</h2>
      <ErrorLine error={list.error ?? err} />
      {(list.data?.comments ?? []).map((c) => (
        <div key={c.id} className="comment" data-author={c.author}>
          <div className="muted"><b>{c.author}</b> · {fmtTime(c.created_at)}
            {c.author === (actingUser() || 'anonymous') && <button className="link" onClick={() => api('DELETE', `/api/v1/runs/${runId}/comments/${c.id}`).then(list.reload, (e) => setErr(e.message))}>delete</button>}
          </div>
          <Markdown text={c.body} />
        </div>
      ))}
      {list.data && !list.data.comments.length && <p className="muted">No comments yet.</p>}
      <textarea aria-label="new comment" placeholder={`Comment as ${actingUser() || 'anonymous'} (Markdown)`} value={body} onChange={(e) => setBody(e.target.value)} />
      <button disabled={!body.trim()} onClick={post}>Post comment</button>
    </section>
  );
}
