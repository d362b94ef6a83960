import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';

/** The parts of resources/navien-editor.js that need no editor (no RED, no jQuery) to run. */
export interface EditorScript {
  /** A dialog's template with its shared rows (`<div data-navien-rows="…">`) as the editor expands them. */
  expandTemplate(type: string, text: string): string;
}

/** Runs the shared editor script in a context of its own with only `window`, as far as loading it needs. */
export function loadEditorScript(root: string): EditorScript {
  const file = join(root, 'resources', 'navien-editor.js');
  const context = vm.createContext({});
  (context as { window: unknown }).window = context;
  vm.runInContext(readFileSync(file, 'utf8'), context, { filename: file });
  return (context as { NavienEditor: EditorScript }).NavienEditor;
}
