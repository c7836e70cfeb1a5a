// A value that follows another at most once per interval while `throttled` is true, at once otherwise: for views
// whose every render is long (charts of a sweep), fed by something that changes many times a second.
import { useEffect, useRef, useState } from 'react';

export function useThrottledValue<T>(value: T, intervalMs: number, throttled: boolean): T {
  const [shown, setShown] = useState(value);
  const lastShownAt = useRef(0);
  useEffect(() => {
    if (!throttled) return;
    const wait = Math.max(0, lastShownAt.current + intervalMs - performance.now());
    const handle = window.setTimeout(() => {
      lastShownAt.current = performance.now();
      setShown(value);
    }, wait);
    return () => window.clearTimeout(handle);
  }, [value, intervalMs, throttled]);
  return throttled ? shown : value;
}
