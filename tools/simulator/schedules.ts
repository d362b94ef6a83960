// Weekly program / recirculation schedule entries: validation and the packed hex read-back form
// (docs/protocol.md#schedule-replies).

export interface ScheduleEntry {
  enable: number;
  week: number;
  hour: number;
  min: number;
  mode: number;
  param: number;
}

export interface Schedule {
  reservationUse: number;
  reservation: ScheduleEntry[];
}

const isInt = (v: unknown, lo: number, hi: number): v is number => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;

/**
 * Parses a written schedule; undefined when anything is out of range (the device then keeps the old one).
 * `paramRange` is the accepted `param` range: half-degC setpoints for the weekly program, -1 for recirculation.
 */
export function parseSchedule(
  request: Record<string, unknown>,
  opts: { maxEntries: number; modes: [number, number]; paramRange: [number, number] },
): Schedule | undefined {
  const use = request.reservationUse;
  const list = request.reservation;
  if (!isInt(use, 1, 2) || !Array.isArray(list) || list.length > opts.maxEntries) return undefined;
  const out: ScheduleEntry[] = [];
  for (const raw of list) {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const e = raw as Record<string, unknown>;
    if (
      !isInt(e.enable, 1, 2) ||
      !isInt(e.week, 0, 255) ||
      !isInt(e.hour, 0, 23) ||
      !isInt(e.min, 0, 59) ||
      !isInt(e.mode, opts.modes[0], opts.modes[1]) ||
      !isInt(e.param, opts.paramRange[0], opts.paramRange[1])
    ) {
      return undefined;
    }
    out.push({ enable: e.enable, week: e.week, hour: e.hour, min: e.min, mode: e.mode, param: e.param });
  }
  return { reservationUse: use, reservation: out };
}

/** 6 bytes per entry in field order; -1 is sent as 0xff. */
export function packScheduleHex(entries: ScheduleEntry[]): string {
  const byte = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');
  return entries.map((e) => [e.enable, e.week, e.hour, e.min, e.mode, e.param].map(byte).join('')).join('');
}
