import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiGaps } from './api-check.js';

// The public exports that lack a doc comment, or an example, as of docs/api-gaps.json. The lists may
// only shrink: a new export must come documented with an example, and an export documented since is
// taken off the list (UPDATE_API_GAPS=1 rewrites it).
const file = new URL('./api-gaps.json', import.meta.url);
const known = JSON.parse(readFileSync(file, 'utf8')) as { undocumented: string[]; noExample: string[] };

describe('doc comments of the public API', () => {
  const gaps = apiGaps();
  if (process.env.UPDATE_API_GAPS) writeFileSync(file, `${JSON.stringify({ undocumented: gaps.undocumented, noExample: gaps.noExample }, null, 2)}\n`);

  it('checks every entry point (a few hundred exports)', () => {
    expect(gaps.checked).toBeGreaterThan(200);
  });

  it('finds each kind of gap (in a fixture, now that the real lists are empty)', () => {
    const fixture = apiGaps({ fixture: 'docs/api-check.fixture.ts' });
    expect(fixture).toEqual({ undocumented: ['fixture: bare', 'fixture: BareType'], noExample: ['fixture: noExample', 'fixture: NoExampleClass'], checked: 7 });
  });

  for (const kind of ['undocumented', 'noExample'] as const) {
    it(`no new export is ${kind === 'undocumented' ? 'without a doc comment' : 'without an @example'}`, () => {
      expect(gaps[kind].filter((n) => !known[kind].includes(n)), 'document these (with an @example for values)').toEqual([]);
    });
    it(`docs/api-gaps.json lists no ${kind} export that is now documented`, () => {
      expect(known[kind].filter((n) => !gaps[kind].includes(n)), 'remove these from docs/api-gaps.json').toEqual([]);
    });
  }
});
