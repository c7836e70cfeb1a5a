// The page's components, a chunk of its own (see mountPage.ts): React renders them in a transition, in slices of a
// few milliseconds instead of one long task.
import { StrictMode, startTransition } from 'react';
import type { Root } from 'react-dom/client';
import { App } from './App';

export function renderPage(root: Root): void {
  startTransition(() => {
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  });
}
