// Small display helpers: visible whitespace in token labels, percentages that never show NaN.

export function tokenLabel(text: string | undefined, id: number): string {
  if (text === undefined) return `#${id}`;
  if (text === '') return '∅';
  return text.replace(/ /g, '␣').replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/\uFFFD/g, '·');
}

export function percent(p: number, digits = 1): string {
  if (!Number.isFinite(p)) return '—';
  if (p > 0 && p < 0.001) return '<0.1%';
  return `${(p * 100).toFixed(digits)}%`;
}

export function fixed(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}

/** Probability → background colour (red = unlikely, green = likely), always paired with a number in a title. */
export function probabilityColour(p: number): string {
  const hue = Math.round(Math.max(0, Math.min(1, p)) * 120);
  return `hsl(${hue} 70% 85%)`;
}
