// A value that follows another one task after the render that showed it: for heavy parts of a view that should
// each render in a task of their own (a sweep's heatmap, then its scatter, then its table), not all in one.
import { useEffect, useState } from 'react';

export function useNextTaskValue<T>(value: T): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    if (Object.is(shown, value)) return;
    // After this commit, in a new task: the browser paints what the last task drew before the next part renders.
    const handle = window.setTimeout(() => setShown(() => value), 0);
    return () => window.clearTimeout(handle);
  }, [value, shown]);
  return shown;
}
