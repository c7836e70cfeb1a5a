// Opening the page in many short main-thread tasks instead of a few long ones: the first commit draws the page's
// frame (header, empty columns), and each <Later> part mounts in a task of its own once the part before it has
// been committed and laid out. No single render, commit or layout then covers the whole page, so the page keeps
// answering input while it opens and while the model's worker starts. Parts mount in document order (React runs
// sibling effects in tree order), within a few hundred milliseconds of the first paint; after the opening every
// <Later> (a panel shown by switching modes, say) mounts at once.
import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';

interface Waiter {
  reveal(): void;
}

const queue: Waiter[] = [];
/** The part mounting now: the next one waits until this one's commit has run its effects. */
let mounting: Waiter | null = null;
let scheduled = false;
/** True once every part of the opening has mounted. */
let opened = false;
const openedListeners = new Set<() => void>();

/** Runs `work` after the browser has laid out and painted what is committed now (or soon, in a hidden tab). */
function afterNextPaint(work: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    work();
  };
  // The animation frame comes before the frame's layout; the timeout set inside it runs after that layout.
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(once, 0));
  // A hidden tab draws no frames: its parts still mount, just without waiting for one.
  setTimeout(once, 100);
}

function pump(): void {
  if (mounting !== null || scheduled) return;
  if (queue.length === 0) {
    if (!opened) {
      opened = true;
      for (const listener of openedListeners) listener();
    }
    return;
  }
  scheduled = true;
  afterNextPaint(() => {
    scheduled = false;
    if (mounting !== null) return;
    const next = queue.shift();
    if (!next) {
      pump();
      return;
    }
    mounting = next;
    next.reveal();
  });
}

function enqueue(waiter: Waiter): void {
  queue.push(waiter);
  pump();
}

/** The waiter's part has committed (its effects run after its children's), or it left the page before that. */
function release(waiter: Waiter): void {
  const at = queue.indexOf(waiter);
  if (at >= 0) queue.splice(at, 1);
  if (mounting === waiter) mounting = null;
  // After this commit's other effects: the parts inside the one just mounted join the queue first.
  queueMicrotask(pump);
}

/** Whether the opening has finished: every part that was waiting has mounted. */
export function useOpened(): boolean {
  return useSyncExternalStore(
    (listener) => {
      openedListeners.add(listener);
      return () => openedListeners.delete(listener);
    },
    () => opened,
    () => opened,
  );
}

/** Mounts its children in a task of their own during the opening; at once after it. */
export function Later({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState(opened);
  useEffect(() => {
    if (shown) return;
    const waiter: Waiter = { reveal: () => setShown(true) };
    enqueue(waiter);
    // Runs when the children have committed (the effect's dependency changed) or when this part unmounts.
    return () => release(waiter);
  }, [shown]);
  return shown ? children : null;
}
