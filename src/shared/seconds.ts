/** How a node's interval setting in seconds is read (poll interval, report interval). */
export interface IntervalRule {
  /** For an empty or invalid field. */
  fallback: number;
  /** Anything above 0 but below this is raised to it (the cloud is not to be asked faster). */
  min: number;
}

/**
 * A node's interval setting in whole seconds: 0 = off; an empty field (an edited or hand-written flow) or an invalid
 * or negative value means the default, never "off"; otherwise rounded and at least `rule.min`.
 */
export function intervalSeconds(value: unknown, rule: IntervalRule): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return rule.fallback;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) return rule.fallback;
  if (seconds === 0) return 0;
  return Math.max(rule.min, Math.round(seconds));
}
