/**
 * Code comments cite the protocol reference by anchor (docs/protocol.md plus `#anchor`). Every cited anchor must
 * exist there, so a renamed heading or a mistyped citation is caught here instead of sending a contributor nowhere.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// Compiled to build/test/docs, run from the repository root or from anywhere below it.
const root = [process.cwd(), join(__dirname, '..', '..', '..')].find((dir) => existsSync(join(dir, 'docs', 'protocol.md')));
if (!root) throw new Error('cannot find docs/protocol.md');

const SCANNED = ['src', 'test', 'tools', 'bench', 'scripts', 'locales', 'examples', 'README.md', 'CHANGELOG.md', 'BENCHMARKS.md'];
const TEXT = /\.(ts|js|md|html|json)$/;
const CITATION = /docs\/protocol\.md#([\w-]+)((?:, #[\w-]+)*)/g;

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return TEXT.test(path) ? [path] : [];
  return readdirSync(path).flatMap((name) => (name === 'node_modules' ? [] : files(join(path, name))));
}

/** Explicit `<a id>` anchors plus GitHub's slugs of the headings. */
function anchorsOf(markdown: string): Set<string> {
  const ids = [...markdown.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]);
  const slugs = [...markdown.matchAll(/^#{1,6}\s+(.*)$/gm)].map((m) =>
    m[1].trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'),
  );
  return new Set([...ids, ...slugs]);
}

describe('docs/protocol.md citations', () => {
  it('every anchor cited in the repository exists in docs/protocol.md', () => {
    const base = root;
    const anchors = anchorsOf(readFileSync(join(base, 'docs', 'protocol.md'), 'utf8'));
    const cited: string[] = [];
    const broken: string[] = [];
    for (const file of SCANNED.flatMap((entry) => files(join(base, entry)))) {
      for (const match of readFileSync(file, 'utf8').matchAll(CITATION)) {
        for (const anchor of [match[1], ...[...match[2].matchAll(/#([\w-]+)/g)].map((m) => m[1])]) {
          cited.push(anchor);
          if (!anchors.has(anchor)) broken.push(`${relative(base, file)}: #${anchor}`);
        }
      }
    }
    // The code does cite the document; an empty scan would mean this test looked in the wrong place.
    assert.ok(cited.length > 50, `only ${cited.length} citations found under ${base}`);
    assert.deepEqual(broken, [], 'citations of anchors that docs/protocol.md does not have');
  });
});
