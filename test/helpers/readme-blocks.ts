/**
 * The fenced code blocks of a Markdown file, as the README-examples test runs them. One rule set,
 * so that anyone adding a README section knows what happens to their block:
 *
 * - A block in ts/typescript, js/javascript, python/py, bash/sh/shell is run; other languages and
 *   bare fences (pseudo-syntax such as `list | show RUN`) are not.
 * - A block whose first line is a comment naming a file (`// objective.ts`, `# train.yaml`) is
 *   written to that file in the project, whatever its language, and not run: later blocks use it.
 * - A block is skipped, with its reason printed, when its fence says so (```ts fragment: why)
 *   or the line before it is `<!-- readme-test: skip why -->`.
 */

export type BlockKind = 'ts' | 'js' | 'python' | 'shell';

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language word, as written. */
  lang: string;
  code: string;
  /** How it runs; undefined when the language is not one the test runs. */
  kind?: BlockKind;
  /** Set when the block is a file for later blocks (its first-line comment names it). */
  file?: string;
  /** Set when the README marks the block as not runnable, with the README's reason. */
  skip?: string;
  /** The nearest `#` or `##` heading above the block (outside code), without its hashes; '' before any. */
  section: string;
}

const KINDS: Record<string, BlockKind> = {
  ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', python: 'python', py: 'python', bash: 'shell', sh: 'shell', shell: 'shell',
};

const FILE_COMMENT = /^(?:\/\/|#)\s*([\w./-]+\.(?:[cm]?[jt]s|py|ya?ml|json|csv|sh|txt))\s*(?::.*)?$/;
const SKIP_COMMENT = /^<!--\s*readme-test:\s*skip\b\s*(.*?)\s*-->$/;

export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#{1,2}\s+(.+?)\s*$/.exec(lines[i]!);
    if (heading) section = heading[1]!;
    const open = /^(\s*)(```+)\s*([\w-]*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, info] = open as unknown as [string, string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence}\\s*$`).test(lines[j]!)) body.push(lines[j++]!.slice(indent.length));
    const block: ReadmeBlock = { line: i + 1, lang, code: body.join('\n') + '\n', kind: KINDS[lang.toLowerCase()], section };
    const fileMatch = FILE_COMMENT.exec(body[0]?.trim() ?? '');
    if (fileMatch) block.file = fileMatch[1];
    const fragment = /^fragment\b[:\s]*(.*)$/.exec(info.trim());
    if (fragment) block.skip = fragment[1] || 'marked as a fragment';
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const skipMatch = k >= 0 ? SKIP_COMMENT.exec(lines[k]!.trim()) : null;
    if (skipMatch) block.skip = skipMatch[1] || 'marked readme-test: skip';
    blocks.push(block);
    i = j;
  }
  return blocks;
}
