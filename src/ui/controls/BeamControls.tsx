// The beam search knobs: num_beams, length_penalty, early_stopping, num_return_sequences, each with its "?" help,
// and a note saying which settings a beam search ignores (so none is ignored silently).
import { useTranslation } from 'react-i18next';
import { useStore } from '../../store/store';
import { Help } from './Help';
import { ParamControl } from './ParamControl';

export function BeamControls() {
  const { t } = useTranslation();
  const beams = useStore((s) => s.beam.num_beams);
  const early = useStore((s) => s.beam.early_stopping);
  const setEarly = useStore((s) => s.setEarlyStopping);
  return (
    <fieldset className="beam-controls" data-testid="beam-controls">
      <legend>{t('beam.heading')}</legend>
      <ParamControl name="num_beams" />
      {beams > 1 && <p className="hint beam-on" data-testid="beam-on">{t('beam.on', { count: beams })}</p>}
      <ParamControl name="length_penalty" />
      <div className="param" data-testid="param-early_stopping">
        <label>
          <input type="checkbox" data-testid="early-stopping" checked={early} onChange={(e) => setEarly(e.target.checked)} />{' '}
          {t('names.early_stopping')} <code>early_stopping</code>
        </label>
        <Help topic="early_stopping" name="early_stopping" />
      </div>
      <ParamControl name="num_return_sequences" />
    </fieldset>
  );
}
