import { marked } from 'marked';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Markdown from users (notes, comments, model cards) with raw HTML escaped, never run. */
export function Markdown({ text }: { text: string }) {
  const html = marked.parse(escape(text), { async: false }) as string;
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
