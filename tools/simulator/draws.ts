// Scripted hot-water draws for the simulated tank: "at 07:00 simulated time, 60 litres at 8 l/min".

export interface ScheduledDraw {
  /** Start, simulated ms since the device started (`SimulatedDevice.simElapsedMs`). */
  atMs: number;
  litres: number;
  /** Flow while it lasts, litres per minute. */
  lpm: number;
}

/** Litres the draws take between two simulated instants (any step length gives the same total). */
export function litresBetween(draws: readonly ScheduledDraw[], fromMs: number, toMs: number): number {
  let litres = 0;
  for (const d of draws) {
    if (d.lpm <= 0 || d.litres <= 0) continue;
    const endMs = d.atMs + (d.litres / d.lpm) * 60_000;
    const overlap = Math.min(toMs, endMs) - Math.max(fromMs, d.atMs);
    if (overlap > 0) litres += (overlap / 60_000) * d.lpm;
  }
  return litres;
}
