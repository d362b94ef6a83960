/**
 * The layers of docs/architecture.md hold in src/: no lower layer imports a higher one, no parts import each other in
 * a cycle, src/shared has no Node-RED import, and every source file is in a row of the table. The checker itself is
 * proven on small synthetic trees, so a real violation cannot pass unnoticed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LayerPart, layerViolations, moduleSpecifiers, parseLayerTable, partOf } from './import-graph';

// Compiled to build/test/architecture, run from the repository root or from anywhere below it.
const root = [process.cwd(), join(__dirname, '..', '..', '..')].find((dir) => existsSync(join(dir, 'docs', 'architecture.md')));
if (!root) throw new Error('cannot find docs/architecture.md');

function sources(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (path: string): void => {
    if (statSync(path).isDirectory()) readdirSync(path).forEach((name) => walk(join(path, name)));
    else if (path.endsWith('.ts')) found.set(relative(root as string, path).split(sep).join('/'), readFileSync(path, 'utf8'));
  };
  walk(join(root as string, dir));
  return found;
}

const TABLE = `
| Layer | Part | Folders and files | Its job |
| --- | --- | --- | --- |
| 0 | base | \`src/shared/clock.ts\`, \`src/shared/types/\` | leaf |
| 1 | codec | \`src/shared/codec/\` | pure |
| 2 | reading | \`src/shared/reading/\` | pure |
| 2 | planner | \`src/shared/planner/\` | pure |
| 3 | device | \`src/shared/device/\` | asks |
| 4 | session | \`src/shared/device/session.ts\` | above device |
| 5 | nodes | \`src/nodes/\` | Node-RED |

After the table.
`;

describe('layers (docs/architecture.md)', () => {
  it('src/ keeps to the layer table: no upward import, no cycle between parts, no Node-RED in src/shared, no unlisted file', () => {
    const parts = parseLayerTable(readFileSync(join(root, 'docs', 'architecture.md'), 'utf8'));
    const tree = sources('src');
    // Scanning nothing, or a table that lost its rows, would pass vacuously.
    assert.ok(tree.size > 100, `only ${tree.size} source files found under ${root}`);
    assert.ok(parts.length >= 10, `only ${parts.length} rows read from the layer table`);
    // The account connection's pieces are moving into src/shared/connection/: they stay in the connection's layer.
    const connection = parts.find((p) => p.paths.includes('src/shared/account-connection.ts'));
    assert.equal(partOf('src/shared/connection/supervisor.ts', parts), connection);
    assert.deepEqual(layerViolations(parts, tree), []);
  });

  it('reads the table: layer, part name and the backtick-quoted folders and files, ending at the first non-table line', () => {
    const parts = parseLayerTable(`# Title\n\nSome text.\n${TABLE}`);
    assert.deepEqual(parts.map((p) => [p.layer, p.part]), [[0, 'base'], [1, 'codec'], [2, 'reading'], [2, 'planner'], [3, 'device'], [4, 'session'], [5, 'nodes']]);
    assert.deepEqual(parts[0].paths, ['src/shared/clock.ts', 'src/shared/types/']);
    assert.throws(() => parseLayerTable('| Layer | Part |\n| - | - |\n'), /no "\| Layer \| Part \| Folders and files \|" table/);
    assert.throws(() => parseLayerTable(`${TABLE}`.replace('`src/shared/planner/`', '`src/shared/codec/`')), /src\/shared\/codec\/ is in two rows/);
  });

  it('a file belongs to the row naming it, else to its deepest listed folder', () => {
    const parts = parseLayerTable(TABLE);
    const part = (file: string) => partOf(file, parts)?.part;
    assert.equal(part('src/shared/device/session.ts'), 'session');
    assert.equal(part('src/shared/device/api.ts'), 'device');
    assert.equal(part('src/shared/codec/sub/deep.ts'), 'codec');
    assert.equal(part('src/shared/clock.ts'), 'base');
    assert.equal(part('src/shared/clockwork.ts'), undefined);
  });

  it('finds every kind of import the compiler knows, and none in strings or comments', () => {
    const text = [
      "import a from './a';",
      "import type { B } from '../b';",
      "import * as c from './c/index';",
      "export { d } from './d';",
      "export * from './e';",
      "import f = require('./f');",
      "const g = require('./g');",
      "const h = import('./h');",
      "let i: import('./i').I;",
      "import './j';",
      "// import k from './k';",
      "const l = \"import l from './l'\";",
    ].join('\n');
    assert.deepEqual(moduleSpecifiers('x.ts', text), ['./a', '../b', './c/index', './d', './e', './f', './g', './h', './i', './j']);
  });

  describe('the checker fails on a real violation', () => {
    const parts: LayerPart[] = parseLayerTable(TABLE);
    const check = (files: Record<string, string>) => layerViolations(parts, new Map(Object.entries(files)));

    it('passes a tree that keeps to the table (lower layers only, a file row above its folder)', () => {
      assert.deepEqual(check({
        'src/shared/clock.ts': 'export const now = 1;',
        'src/shared/types/device.ts': 'export interface DeviceInfo { mac: string }',
        'src/shared/codec/status.ts': "import { now } from '../clock';",
        'src/shared/codec/index.ts': "export * from './status';",
        'src/shared/reading/messages.ts': "import type { DeviceInfo } from '../types/device';\nimport * as codec from '../codec';",
        'src/shared/device/api.ts': "import '../codec/status.js';",
        'src/shared/device/session.ts': "import './api';",
        'src/nodes/status.ts': "import type { NodeAPI } from 'node-red';\nimport '../shared/device/session';",
      }), []);
    });

    it('an import of a higher layer, also type-only, also by require', () => {
      assert.deepEqual(check({
        'src/shared/codec/status.ts': "import type { DeviceInfo } from '../device/api';",
        'src/shared/reading/messages.ts': "const api = require('../device/api');",
        'src/shared/device/api.ts': "export * from './session';",
        'src/shared/device/session.ts': '',
      }), [
        'src/shared/codec/status.ts (codec, layer 1) imports ../device/api (device, layer 3): a lower layer may not import a higher one',
        'src/shared/device/api.ts (device, layer 3) imports ./session (session, layer 4): a lower layer may not import a higher one',
        'src/shared/reading/messages.ts (reading, layer 2) imports ../device/api (device, layer 3): a lower layer may not import a higher one',
      ]);
    });

    it('an import of another part of the same layer, and a cycle between parts', () => {
      assert.deepEqual(check({
        'src/shared/reading/messages.ts': "import { plan } from '../planner/model';",
        'src/shared/planner/model.ts': "export { alerts } from '../reading/alerts';",
        'src/shared/reading/alerts.ts': '',
      }), [
        'src/shared/planner/model.ts (planner, layer 2) imports ../reading/alerts (reading, layer 2): parts of one layer are independent of each other',
        'src/shared/reading/messages.ts (reading, layer 2) imports ../planner/model (planner, layer 2): parts of one layer are independent of each other',
        'parts import each other in a cycle: planner → reading → planner (src/shared/planner/model.ts → src/shared/reading/alerts.ts; src/shared/reading/messages.ts → src/shared/planner/model.ts)',
      ]);
    });

    it('a Node-RED import in src/shared, an unlisted file and an import of no file', () => {
      assert.deepEqual(check({
        'src/shared/codec/status.ts': "import type { Node } from 'node-red';\nimport { RED } from '@node-red/util';\nimport './missing';",
        'src/shared/extra.ts': '',
      }), [
        'src/shared/codec/status.ts imports node-red: src/shared must not depend on Node-RED',
        'src/shared/codec/status.ts imports @node-red/util: src/shared must not depend on Node-RED',
        'src/shared/codec/status.ts imports ./missing, which is no file of the tree',
        'src/shared/extra.ts is in no row of the layer table',
      ]);
    });
  });
});
