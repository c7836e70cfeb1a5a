// Export the runs as JSON (every step with its stage views) or CSV; open a JSON export without a model.
import { useTranslation } from 'react-i18next';
import { exportCsv, exportJson, parseExport } from '../../store/exportRun';
import { hasRuns, runsInOrder } from '../../store/selectors';
import { useStore } from '../../store/store';
import { refusalOf } from '../../store/urlState';
import { download } from '../download';

/** Every run on the page as a JSON export file. */
export function downloadRunsJson(): void {
  const s = useStore.getState();
  download('logitlab-run.json', exportJson(s.modelRef, runsInOrder(s)), 'application/json');
}

export function ExportPanel() {
  const { t } = useTranslation();
  // Whether there is anything to export, not the runs themselves: those change with every batch of steps.
  const any = useStore(hasRuns);
  return (
    <div className="row wrap export" data-testid="export">
      <button type="button" disabled={!any} onClick={downloadRunsJson}>{t('actions.export')}</button>
      <button type="button" disabled={!any} onClick={() => download('logitlab-run.csv', exportCsv(runsInOrder(useStore.getState())), 'text/csv')}>{t('actions.exportCsv')}</button>
      <label className="file">
        {t('actions.import')}
        <input type="file" accept="application/json,.json" data-testid="import" onChange={async (e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          try {
            const data = parseExport(await file.text());
            const store = useStore.getState();
            const added = store.importRuns(data.runs);
            const running = store.activeRequest !== null;
            if (!running) store.setMode('model');
            store.notify({ key: running ? 'notices.importedBeside' : 'notices.imported', params: { count: added.length } });
            for (const r of data.refused) store.notify({ key: 'notices.importRefused', params: { index: r.index + 1 }, why: { kind: 'text', text: r.why } });
          } catch (error) {
            useStore.getState().notify({ key: 'notices.badImport', why: refusalOf(error) });
          } finally {
            // The same file can be opened again.
            e.target.value = '';
          }
        }} />
      </label>
    </div>
  );
}
