// The least a React page does: load react-dom and render one heading.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(createElement('h1', null, 'LogitLab'));
