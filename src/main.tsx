// Entry point: mounts the playground.
import { createRoot } from 'react-dom/client';

function Placeholder() {
  return <h1>LogitLab</h1>;
}

createRoot(document.getElementById('root')!).render(<Placeholder />);
