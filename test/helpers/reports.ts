/** A reporter (`report(field)`) for codec calls that name what they could not trust, and the names it was told, in order. */
export function reports(): { names: string[]; report: (field: string) => void } {
  const names: string[] = [];
  return { names, report: (field) => names.push(field) };
}
