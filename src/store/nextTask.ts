// A new task: the browser paints and answers input before the work after it (the page's opening, a sweep's points).
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
