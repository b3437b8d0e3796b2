/**
 * Every stylesheet of the renderer parses. A brace lost in a merge makes the browser drop the rest of the
 * file, so whole screens lose their layout while every behaviour test still passes; this catches it
 * before a screenshot does. (Here, not under test/renderer: jsdom's project reads no files.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import postcss from 'postcss';
import { describe, expect, it } from 'vitest';

const DIR = path.resolve('renderer/src/styles');

describe('renderer stylesheets', () => {
  const files = readdirSync(DIR).filter((name) => name.endsWith('.css'));
  it('exist', () => expect(files.length).toBeGreaterThan(3));
  for (const name of files) {
    it(`${name} parses, every block closed`, () => {
      const file = path.join(DIR, name);
      const root = postcss.parse(readFileSync(file, 'utf8'), { from: file });
      expect(root.nodes.length).toBeGreaterThan(0);
    });
  }
});
