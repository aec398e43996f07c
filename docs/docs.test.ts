import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extract } from './snippets.js';

// Every ```ts block of every page in docs/ (and of the README) runs here, page by page.
const here = dirname(fileURLToPath(import.meta.url));
const markdown = readdirSync(here, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md') && !f.startsWith('.snippets'));
const pages = [join(here, '..', 'README.md'), ...markdown.map((f) => join(here, f))];
const out = join(here, '.snippets');
mkdirSync(out, { recursive: true });

describe('docs examples', () => {
  it('extracts checks from `// →` comments', () => {
    const s = extract('```ts\nconsole.log(1 + 1); // → 2\n```\n', './expect.js');
    expect(s.blocks).toBe(1);
    expect(s.code).toContain('__expect([1 + 1], [2], 0,');
  });

  it("the README's links reach every page in docs/, and only files that exist", () => {
    const readme = readFileSync(pages[0], 'utf8');
    const links = [...readme.matchAll(/\]\(((?!https?:|#)[^)#\s]+)/g)].map((m) => m[1]);
    expect(links.filter((l) => !existsSync(join(here, '..', l))), 'links to missing files').toEqual([]);
    expect(markdown.map((f) => `docs/${f}`).filter((f) => !links.includes(f)), 'pages the README does not link').toEqual([]);
  });

  for (const page of pages) {
    const name = page === pages[0] ? 'README.md' : page.slice(here.length + 1);
    it(`${name} runs`, async () => {
      const { code, blocks } = extract(readFileSync(page, 'utf8'), pathToFileURL(join(here, 'expect.ts')).href);
      if (blocks === 0) return;
      const file = join(out, `${name.replace(/\.md$/, '').replaceAll('/', '__')}.ts`);
      writeFileSync(file, code);
      await import(/* @vite-ignore */ pathToFileURL(file).href);
    });
  }
});
