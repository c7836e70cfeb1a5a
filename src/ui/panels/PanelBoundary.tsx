// One panel's safety net: a render error inside it becomes a message in the page's language with a way out
// (close the run it was drawing, or draw the panel again), and the rest of the page keeps working.
import { Component, Suspense, type ErrorInfo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useStore } from '../../store/store';
import { Later } from '../Progressive';

interface BoundaryProps {
  /** i18n key under `boundary.panels` naming the panel. */
  panel: string;
  /** The panel draws the run on screen: its way out closes that run. */
  drawsRun?: boolean;
  children: ReactNode;
}

interface InnerProps extends BoundaryProps {
  t: TFunction;
  /** A new value (another run opened) draws the panel again. */
  resetKey: unknown;
  closeRun: (() => void) | null;
}

class Boundary extends Component<InnerProps, { error: Error | null; key: unknown }> {
  override state: { error: Error | null; key: unknown } = { error: null, key: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: InnerProps, state: { error: Error | null; key: unknown }) {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // Kept for whoever debugs it; the user sees the message below.
    console.warn(`panel ${this.props.panel} failed to draw`, error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const { t, panel, closeRun } = this.props;
    return (
      <section className="panel panel-error" role="alert" data-testid="panel-error">
        <p>{t('boundary.failed', { panel: t(`boundary.panels.${panel}`) })}</p>
        <p className="hint">{error.message}</p>
        <div className="row">
          {closeRun && <button type="button" data-testid="panel-close-run" onClick={closeRun}>{t('boundary.closeRun')}</button>}
          <button type="button" data-testid="panel-reset" onClick={() => this.setState({ error: null })}>{t('boundary.reset')}</button>
        </div>
      </section>
    );
  }
}

export function PanelBoundary({ panel, drawsRun = false, children }: BoundaryProps) {
  const { t } = useTranslation();
  const currentRunId = useStore((s) => s.currentRunId);
  const closeRun = drawsRun && currentRunId !== null ? () => useStore.getState().closeRun(currentRunId) : null;
  // Each panel mounts in a task of its own while the page opens (see Progressive.tsx); a panel in a chunk of its
  // own (React.lazy in App.tsx) shows once its chunk has arrived, a moment later.
  return (
    <Boundary panel={panel} drawsRun={drawsRun} t={t} resetKey={drawsRun ? currentRunId : null} closeRun={closeRun}>
      <Suspense fallback={null}><Later>{children}</Later></Suspense>
    </Boundary>
  );
}
