/**
 * How the e2e suites see what a flow emitted without reaching into Node-RED's internals: core nodes turn each message
 * into one JSON line (a `change` node with a JSONata expression) and append it to a file (a `file` node), which the
 * test reads back.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FlowNode } from './harness';

/** A core `change` node setting msg.payload to a JSONata expression (one JSON line), wired to `to`. */
export function jsonLineNode(id: string, z: string, name: string, expression: string, to: string, x: number, y: number): FlowNode {
  return { id, type: 'change', z, name, rules: [{ t: 'set', p: 'payload', pt: 'msg', to: expression, tot: 'jsonata' }], action: '', property: '', from: '', to: '', reg: false, x, y, wires: [[to]] };
}

/** A core `file` node appending each msg.payload as a line to `filename`. */
export function appendFileNode(id: string, z: string, name: string, filename: string, x: number, y: number): FlowNode {
  return { id, type: 'file', z, name, filename, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x, y, wires: [[]] };
}

/** The lines written so far, one JSON object each (a line still being written is skipped). */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const lines: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line) as T);
    } catch {
      // a line still being written
    }
  }
  return lines;
}
