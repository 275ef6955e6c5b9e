/** Reads the fenced code blocks of the docs, so tests run exactly what a page shows. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** One fenced block of a Markdown page. */
export interface DocBlock {
  /** Page, relative to the repository root (`docs/apps.md`). */
  readonly page: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** Language of the fence (`ts`, `sh`, ...), '' when none. */
  readonly lang: string;
  /** `file=NAME` from the fence's info string: the guide says to save the block as that file. */
  readonly file: string | undefined;
  /** The `## ` section the block is in ('' before the first). */
  readonly section: string;
  /** The block's text, ending with a newline. */
  readonly text: string;
}

/** Every fenced block of a page (``` fences only), in order. */
export function docBlocks(page: string): DocBlock[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const out: DocBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('## ')) section = l.slice(3).trim();
    const open = /^```(\S*)\s*(.*)$/.exec(l);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${page}:${start + 1}: unclosed code fence`);
    const file = /(?:^|\s)file=(\S+)/.exec(open[2] ?? '')?.[1];
    out.push({ page, line: start + 1, lang: open[1] ?? '', file, section, text: body.length ? `${body.join('\n')}\n` : '' });
  }
  return out;
}

/** The section of docs/apps.md that takes a user from nothing to a running app; test/integration/package.test.ts runs all of it. */
export const APP_GUIDE_SECTION = 'Write, build and load an app';

/** The guide's blocks, in order. */
export function appGuideBlocks(): DocBlock[] {
  return docBlocks('docs/apps.md').filter((b) => b.section === APP_GUIDE_SECTION);
}
