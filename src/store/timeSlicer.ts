// Long main-thread work cut into tasks of about `budgetMs`: the caller awaits pause() between small units of work,
// and it yields to a new task (the browser paints and answers input) only once the current slice has run its
// budget, so short work stays in one task and long work never holds the thread much past the budget.
import { nextTask } from './nextTask';

export interface TimeSlicer {
  /** Resolves at once while the slice has time left, after a new task once it has run its budget. */
  pause(): Promise<void>;
  /** Starts a new slice in the next task, whatever the time spent (before work that should not share a task). */
  yieldNow(): Promise<void>;
}

export function timeSlicer(budgetMs: number, now: () => number = () => performance.now(), yieldTask: () => Promise<void> = nextTask): TimeSlicer {
  let sliceStart = now();
  const yieldNow = async () => {
    await yieldTask();
    sliceStart = now();
  };
  return {
    pause: () => (now() - sliceStart >= budgetMs ? yieldNow() : Promise.resolve()),
    yieldNow,
  };
}

/** fn over every item, in order, pausing between items. */
export async function mapSliced<T, R>(items: readonly T[], slicer: TimeSlicer, fn: (item: T, index: number) => R): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) await slicer.pause();
    out.push(fn(items[i], i));
  }
  return out;
}
