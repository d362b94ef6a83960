/**
 * A device MAC as the cloud writes it: 12 lower-case hex digits. Users type it with capitals, colons, dashes or
 * spaces (`0A:1B:2C:3D:4E:5F`); every node normalises its configured MAC here so the same device is found either way.
 */
export function normalizeMac(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase().replace(/[:\-\s]/g, '') : '';
}
