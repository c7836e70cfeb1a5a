// Export the runs as JSON (every step with its stage views) or CSV; open a JSON export without a model.
import { useTranslation } from 'react-i18next';
import { exportCsv, exportJson, parseExport } from '../../store/exportRun';
import { useStore } from '../../store/store';
import { refusalOf } from '../../store/urlState';
import { download } from '../download';

export function ExportPanel() {
  const { t } = useTranslation();
  const runs = useStore((s) => s.runs);
  const order = useStore((s) => s.runOrder);
  const model = useStore((s) => s.modelRef);
  const list = order.map((id) => runs[id]).filter(Boolean);
  return (
    <div className="row wrap export" data-testid="export">
      <button type="button" disabled={list.length === 0} onClick={() => download('logitlab-run.json', exportJson(model, list), 'application/json')}>{t('actions.export')}</button>
      <button type="button" disabled={list.length === 0} onClick={() => download('logitlab-run.csv', exportCsv(list), 'text/csv')}>{t('actions.exportCsv')}</button>
      <label className="file">
        {t('actions.import')}
        <input type="file" accept="application/json,.json" data-testid="import" onChange={async (e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          try {
            const data = parseExport(await file.text());
            useStore.getState().importRuns(data.runs);
            useStore.getState().setMode('model');
            useStore.getState().notify({ key: 'notices.imported' });
          } catch (error) {
            useStore.getState().notify({ key: 'notices.badImport', why: refusalOf(error) });
          }
        }} />
      </label>
    </div>
  );
}
