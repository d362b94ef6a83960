/**
 * The package's own durable record of what it changed on water heaters and must undo (a boost's restore, a live plan's
 * hold, the planner's program entries). One JSON file per Node-RED user directory, shared by every account and node
 * of the process, replaced atomically: the new version is written to a temp file, flushed, and renamed over the old
 * one, so a crash, `kill -9` or power cut leaves the old or the new version, never half of one. Callers write
 * *before* the command goes out; an update resolves once the new version is on disk.
 *
 * It does not depend on Node-RED's context stores: those stay a user's choice for their own flows.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** What the file holds: one section per kind of record, each owned by the module that writes it. */
interface LedgerDocument {
  version: 1;
  sections: Record<string, unknown>;
}

const EMPTY = (): LedgerDocument => ({ version: 1, sections: {} });

export interface LedgerFileOptions {
  /** An unreadable file was put aside (its new name is given); the ledger starts empty. */
  warn?(text: string): void;
}

/** One instance per path in this process, so every node serialises its writes through the same queue. */
const OPEN = new Map<string, LedgerFile>();

export class LedgerFile {
  private document: LedgerDocument | undefined;
  private loading: Promise<LedgerDocument> | undefined;
  /** Writes one after another: two renames racing could put an older version last. */
  private queue: Promise<unknown> = Promise.resolve();
  private tempCounter = 0;

  private constructor(readonly file: string, private readonly options: LedgerFileOptions) {}

  /** The ledger at `file` (the same instance for the same resolved path). */
  static open(file: string, options: LedgerFileOptions = {}): LedgerFile {
    const key = path.resolve(file);
    let ledger = OPEN.get(key);
    if (!ledger) {
      ledger = new LedgerFile(key, options);
      OPEN.set(key, ledger);
    }
    return ledger;
  }

  /** A copy of one section as last written (undefined when it has none). */
  async read<T>(section: string): Promise<T | undefined> {
    await this.queue.catch(() => undefined);
    const document = await this.load();
    const value = document.sections[section];
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  /**
   * Changes one section: `change` gets a copy of it and returns the new value (undefined removes it). Resolves with
   * that value once it is on disk; rejects (and keeps the old version, on disk and in memory) when it cannot be written.
   */
  update<T>(section: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    const work = this.queue.catch(() => undefined).then(async () => {
      const document = await this.load();
      const current = document.sections[section];
      const next = change(current === undefined ? undefined : (structuredClone(current) as T));
      const written: LedgerDocument = { version: 1, sections: { ...document.sections } };
      if (next === undefined) delete written.sections[section];
      else written.sections[section] = structuredClone(next);
      await this.write(written);
      this.document = written;
      return next;
    });
    this.queue = work;
    return work;
  }

  private load(): Promise<LedgerDocument> {
    if (this.document) return Promise.resolve(this.document);
    this.loading ??= this.readFile().then((document) => {
      this.document = document;
      return document;
    });
    return this.loading;
  }

  private async readFile(): Promise<LedgerDocument> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY();
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as Partial<LedgerDocument>;
      if (parsed && parsed.version === 1 && typeof parsed.sections === 'object' && parsed.sections !== null && !Array.isArray(parsed.sections)) {
        return { version: 1, sections: parsed.sections };
      }
    } catch {
      // handled below: a file we cannot read is kept for a person to look at, never overwritten
    }
    const aside = `${this.file}.unreadable-${Date.now()}`;
    await fs.rename(this.file, aside);
    this.options.warn?.(`the change ledger ${this.file} could not be read; it was kept as ${aside} and a new one started`);
    return EMPTY();
  }

  private async write(document: LedgerDocument): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.${++this.tempCounter}.tmp`;
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(document, null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temp, this.file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    // The rename itself is durable once the directory is flushed (not every platform allows opening a directory).
    const dir = await fs.open(path.dirname(this.file), 'r').catch(() => undefined);
    if (dir) await dir.sync().catch(() => undefined).finally(() => dir.close());
  }
}

/** The file name of the ledger in a Node-RED user directory. */
export const LEDGER_FILE_NAME = 'navien-ledger.json';
