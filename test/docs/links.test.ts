/**
 * The README and docs/ link only files that exist in the repository: a clone stands alone (no link to a
 * sibling directory such as ../shared, none to a file that was renamed or removed).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = process.cwd();
const pages = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

describe('documentation links', () => {
  it('every relative link of README.md and docs/*.md names a file inside the repository', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/i.test(target)) continue; // an anchor, or http(s):, mailto:
        const path = resolve(dirname(page), target);
        const inside = !relative(root, path).startsWith('..');
        if (!inside || !existsSync(path)) broken.push(`${page}: ${m[1]}`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
