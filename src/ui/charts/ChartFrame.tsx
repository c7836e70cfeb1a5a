// Gives a chart its width without forcing layout on every render: a ResizeObserver reports size changes
// asynchronously, and the legend is plain HTML rather than a measured SVG element.
import { useEffect, useRef, useState, type ReactNode } from 'react';

export interface LegendEntry {
  label: string;
  colour: string;
  shape?: 'box' | 'line';
}

export function ChartFrame({ height, legend, children }: { height: number; legend: LegendEntry[]; children: (width: number) => ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0].contentRect.width);
      setWidth((old) => (old === w ? old : w));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return (
    <div className="chart-frame">
      <ul className="legend">
        {legend.map((e) => (
          <li key={e.label}><span className={`swatch ${e.shape ?? 'box'}`} style={{ background: e.colour }} aria-hidden="true" />{e.label}</li>
        ))}
      </ul>
      <div ref={ref} style={{ height }}>{width > 0 && children(width)}</div>
    </div>
  );
}
