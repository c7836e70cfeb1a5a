// An x-axis tick drawn as plain SVG text: recharts' default tick measures every label in the DOM, which costs
// a layout per label per frame while tokens stream in.
export interface TickProps {
  x?: number;
  y?: number;
  payload?: { value: string };
}

export function TokenTick({ x = 0, y = 0, payload }: TickProps) {
  const label = payload?.value ?? '';
  return (
    <text x={x} y={y + 4} transform={`rotate(-45 ${x} ${y + 4})`} textAnchor="end" fontSize={12} fill="#333">
      {label.length > 14 ? `${label.slice(0, 13)}…` : label}
    </text>
  );
}

/** A y-axis tick as plain SVG text, for the same reason. */
export function PercentTick({ x = 0, y = 0, payload }: { x?: number; y?: number; payload?: { value: number } }) {
  const v = payload?.value ?? 0;
  return (
    <text x={x - 4} y={y + 4} textAnchor="end" fontSize={12} fill="#333">{`${Math.round(v * 100)}%`}</text>
  );
}

/** A plain numeric tick (steps, nats). */
export function NumberTick({ x = 0, y = 0, payload, anchor = 'end' }: { x?: number; y?: number; payload?: { value: number }; anchor?: 'start' | 'middle' | 'end' }) {
  const v = payload?.value ?? 0;
  const dy = anchor === 'middle' ? 14 : 4;
  return (
    <text x={anchor === 'end' ? x - 4 : anchor === 'start' ? x + 4 : x} y={y + dy} textAnchor={anchor} fontSize={12} fill="#333">
      {Number.isInteger(v) ? v : v.toFixed(2)}
    </text>
  );
}
