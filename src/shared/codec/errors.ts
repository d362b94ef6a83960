/** Device error codes (docs/protocol.md#error-codes). */

export interface DecodedError {
  /** As shown on the panel: `E` + three digits, e.g. `E407`, `E096`. */
  code: string;
  number: number;
  subCode: number | null;
  description: string;
}

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  96: 'Upper electric element abnormal',
  97: 'Lower electric element abnormal',
  326: 'Dry fire (tank not full)',
  407: 'DHW temperature sensor abnormal',
  445: 'Mixing valve abnormal',
  480: 'Tank upper temperature sensor abnormal',
  481: 'Tank lower temperature sensor abnormal',
  515: 'Relay fault',
  517: 'DIP switch setting abnormal',
  593: 'Panel key abnormal',
  594: 'EEPROM abnormal',
  595: 'Power meter abnormal',
  596: 'WiFi connection abnormal',
  598: 'Real-time clock abnormal',
  615: 'Feedback / ADC reference abnormal',
  781: 'CTA-2045 (demand-response module) communication abnormal',
  798: 'Shut-off valve abnormal',
  799: 'Water leak detected',
  901: 'ECO (high-limit) operation',
  907: 'Compressor power line abnormal',
  908: 'Compressor operation abnormal',
  909: 'Evaporator fan abnormal',
  910: 'Discharge temperature sensor abnormal',
  911: 'Discharge temperature abnormally high',
  912: 'Suction temperature sensor abnormal',
  913: 'Suction temperature abnormally low',
  914: 'Evaporator temperature sensor abnormal',
  915: 'Abnormal temperature difference',
  916: 'Evaporator temperature abnormal',
  920: 'Ambient temperature sensor abnormal',
  940: 'Refrigerant line blockage',
  990: 'Condensate overflow',
};

/** Sub-codes that are documented for a few errors. */
const SUB_DESCRIPTIONS: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  407: { 1: 'low', 2: 'high' },
  445: { 1: 'open', 2: 'close' },
  515: { 25: 'upper element', 26: 'lower element', 27: 'compressor' },
};

export const UNKNOWN_ERROR_DESCRIPTION = 'Unknown error code';

/** Decodes `errorCode`/`subErrorCode`; null when there is no error (0, missing or not a number). */
export function describeError(code: unknown, subCode?: unknown): DecodedError | null {
  if (typeof code !== 'number' || !Number.isFinite(code) || code === 0) return null;
  const sub = typeof subCode === 'number' && Number.isFinite(subCode) ? subCode : null;
  const base = ERROR_DESCRIPTIONS[code] ?? UNKNOWN_ERROR_DESCRIPTION;
  const detail = sub === null ? undefined : SUB_DESCRIPTIONS[code]?.[sub];
  return {
    code: `E${String(Math.abs(code)).padStart(3, '0')}`,
    number: code,
    subCode: sub,
    description: detail ? `${base} (${detail})` : base,
  };
}
