/**
 * The layer checker behind test/architecture/layers.test.ts: reads the layer table of docs/architecture.md, parses
 * the imports of TypeScript files with the compiler's own parser (so `import type`, `export … from`, `require()`
 * and `import()` all count, and strings or comments that merely look like imports do not), and reports what breaks
 * the table. Pure over its inputs (file texts in, findings out), so it is tested on small synthetic graphs too.
 */
import { posix } from 'node:path';
import ts from 'typescript';

/** One row of the table: a part of the code, its layer, and the folders (ending in `/`) and files it is made of. */
export interface LayerPart {
  layer: number;
  part: string;
  paths: string[];
}

const HEADER = /^\|\s*Layer\s*\|\s*Part\s*\|\s*Folders and files\s*\|/i;

/**
 * The rows of the first markdown table whose header starts `| Layer | Part | Folders and files |`. Paths are the
 * backtick-quoted entries of the third cell, relative to the repository root.
 */
export function parseLayerTable(markdown: string): LayerPart[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => HEADER.test(line.trim()));
  if (start < 0) throw new Error('no "| Layer | Part | Folders and files |" table');
  const parts: LayerPart[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith('|')) break;
    const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim());
    const layer = Number(cells[0]);
    const part = cells[1].replace(/\*|`/g, '');
    const paths = [...cells[2].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    if (!Number.isInteger(layer) || !part || paths.length === 0) throw new Error(`bad layer row: ${line}`);
    parts.push({ layer, part, paths });
  }
  const seen = new Map<string, string>();
  for (const { part, paths } of parts) {
    for (const path of paths) {
      if (seen.has(path)) throw new Error(`${path} is in two rows (${seen.get(path)}, ${part})`);
      seen.set(path, part);
    }
  }
  if (new Set(parts.map((p) => p.part)).size !== parts.length) throw new Error('two rows with the same part name');
  return parts;
}

/** Every module a TypeScript source names: import/export … from, import x = require(), require(), import(), import('x').T. */
export function moduleSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) literal(node.moduleReference.expression);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) literal(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Where a relative specifier lands among the known files (`x` → x.ts or x/index.ts; `x.js` → x.ts), or null. */
export function resolveImport(from: string, specifier: string, files: ReadonlySet<string>): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [base, `${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, '.ts')];
  return candidates.find((file) => files.has(file)) ?? null;
}

/** The part a file belongs to: the row naming it, else the row of its deepest listed folder. */
export function partOf(file: string, parts: readonly LayerPart[]): LayerPart | undefined {
  let best: { part: LayerPart; length: number } | undefined;
  for (const part of parts) {
    for (const path of part.paths) {
      const matches = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (matches && (!best || path.length > best.length)) best = { part, length: path.length };
    }
  }
  return best?.part;
}

/** Node-RED is the nodes' business: src/shared stays usable (and testable) without it. */
const NODE_RED_FREE = 'src/shared/';
const isNodeRed = (specifier: string) => specifier === 'node-red' || specifier.startsWith('node-red/') || specifier.startsWith('@node-red/');

/**
 * Everything in a source tree that breaks the layer table: a file in no row, an import of a higher layer or of another
 * part of the same layer, a cycle between parts (which those rules already exclude; checked on its own so that a cycle
 * is named as one), a Node-RED import in src/shared, a relative import that resolves to no file.
 * `sources` maps repository-relative paths to file texts.
 */
export function layerViolations(parts: readonly LayerPart[], sources: ReadonlyMap<string, string>): string[] {
  const files = new Set(sources.keys());
  const problems: string[] = [];
  // part → part → one import that makes the edge (for the message)
  const edges = new Map<string, Map<string, string>>();
  for (const [file, text] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    const from = partOf(file, parts);
    if (!from) {
      problems.push(`${file} is in no row of the layer table`);
      continue;
    }
    for (const specifier of moduleSpecifiers(file, text)) {
      if (file.startsWith(NODE_RED_FREE) && isNodeRed(specifier)) problems.push(`${file} imports ${specifier}: src/shared must not depend on Node-RED`);
      if (!specifier.startsWith('.')) continue;
      const target = resolveImport(file, specifier, files);
      if (!target) {
        problems.push(`${file} imports ${specifier}, which is no file of the tree`);
        continue;
      }
      const to = partOf(target, parts);
      if (!to || to === from) continue; // an unlisted target is reported as a file of its own
      if (from.layer <= to.layer) {
        const rule = from.layer < to.layer ? 'a lower layer may not import a higher one' : 'parts of one layer are independent of each other';
        problems.push(`${file} (${from.part}, layer ${from.layer}) imports ${specifier} (${to.part}, layer ${to.layer}): ${rule}`);
      }
      const out = edges.get(from.part) ?? new Map<string, string>();
      if (!out.has(to.part)) out.set(to.part, `${file} → ${target}`);
      edges.set(from.part, out);
    }
  }
  for (const cycle of cycles(edges)) {
    const steps = cycle.map((part, i) => edges.get(part)?.get(cycle[(i + 1) % cycle.length])).filter((s): s is string => s !== undefined);
    problems.push(`parts import each other in a cycle: ${[...cycle, cycle[0]].join(' → ')} (${steps.join('; ')})`);
  }
  return problems;
}

/**
 * Each cycle of the part graph, one per strongly connected component of more than one part (Tarjan), named by a
 * closed path through it that starts at its alphabetically first part.
 */
function cycles(edges: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const next = (node: string) => [...(edges.get(node)?.keys() ?? [])].sort();
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    onStack.add(node);
    for (const to of next(node)) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component);
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) connect(node);
  return components.map((component) => closedPath(component, next));
}

/** A path from the component's first part back to it, through parts of the component only (breadth-first: shortest). */
function closedPath(component: string[], next: (node: string) => string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const to of next(node).filter((n) => members.has(n))) {
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]) as string);
        return path;
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start];
}
