/**
 * The planner's program entries in the change ledger (src/shared/ledger), section `program`: per heater (MAC) and
 * owner (the planner node's id) the exact wire entries it may have on the heater, when each switches, the setting the
 * plan's end puts back and whether it switched the program on. A program entry carries no owner on the wire, so this
 * record is the only way to tell the planner's entries from the owner's after a restart, whatever context store is
 * configured.
 */
import type { ValueStore } from './history';
import type { ProgramState } from './program';

export const PROGRAM_SECTION = 'program';

/** One owner's record: its ProgramState and the account (config node id) it wrote through. */
export interface ProgramLedgerRecord extends ProgramState {
  account?: string;
}

/** The section: MAC -> owner -> record. */
export type ProgramSection = Record<string, Record<string, ProgramLedgerRecord>>;

/** What this needs of a LedgerFile (the file itself in use; a stand-in in unit tests). */
export interface ProgramLedger {
  read<T>(section: string): Promise<T | undefined>;
  update<T>(section: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One owner's entries for one heater, as the ProgramWriter keeps them (resolves once the ledger is on disk). */
export function programLedgerStore(ledger: ProgramLedger, mac: string, owner: string, account?: string): ValueStore<ProgramState> {
  return {
    async get() {
      const section = await ledger.read<ProgramSection>(PROGRAM_SECTION);
      const record = isRecord(section) && isRecord(section[mac]) ? section[mac][owner] : undefined;
      return isRecord(record) ? record : undefined;
    },
    async set(value) {
      await ledger.update<ProgramSection>(PROGRAM_SECTION, (current) => {
        const section: ProgramSection = isRecord(current) ? current : {};
        const owners = { ...(isRecord(section[mac]) ? section[mac] : {}) };
        if (value === undefined) delete owners[owner];
        else owners[owner] = { ...value, ...(account ? { account } : {}) };
        const next = { ...section };
        if (Object.keys(owners).length === 0) delete next[mac];
        else next[mac] = owners;
        return Object.keys(next).length > 0 ? next : undefined;
      });
    },
  };
}

/** Every owner with a record for some heater: MAC -> owner -> account (if known). */
export async function programOwners(ledger: ProgramLedger): Promise<Array<{ mac: string; owner: string; account?: string }>> {
  const section = await ledger.read<ProgramSection>(PROGRAM_SECTION);
  if (!isRecord(section)) return [];
  return Object.entries(section).flatMap(([mac, owners]) =>
    isRecord(owners) ? Object.entries(owners).map(([owner, record]) => ({ mac, owner, ...(isRecord(record) && typeof record.account === 'string' ? { account: record.account } : {}) })) : [],
  );
}
