/**
 * The heater's time zone as configured on the account: an IANA name (what Intl.DateTimeFormat accepts), or empty for
 * the Node-RED host's zone. Program entries and charge targets run on the heater's wall clock, so a host in UTC (the
 * Node-RED Docker image without `TZ`) would put them hours off for a heater in America/Chicago.
 */

export type TimeZoneSetting = { ok: true; timeZone: string | undefined } | { ok: false; value: string };

/** The configured zone in its canonical spelling, undefined for the host's zone, or the value refused. */
export function parseTimeZone(value: unknown): TimeZoneSetting {
  if (value === undefined || value === null) return { ok: true, timeZone: undefined };
  const text = String(value).trim();
  if (text === '') return { ok: true, timeZone: undefined };
  try {
    return { ok: true, timeZone: new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone };
  } catch {
    return { ok: false, value: text };
  }
}

/** The zone the host's clock runs in (read each time: `process.env.TZ` may change). */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Names of UTC itself (not of real zones that happen to be at offset 0, such as Europe/London in winter). */
export function isUtcName(timeZone: string): boolean {
  return /^(Etc\/)?(UTC|UCT|GMT|GMT[+-]?0|Universal|Zulu|Greenwich)$/i.test(timeZone);
}
