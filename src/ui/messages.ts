// Refusals and messages worded in the page's language at render time, so they follow the language switch.
// The core and the engine describe problems as data (a rule, an error code); their English text is kept only
// for details the page has no words for (a file name, a size, the runtime's own error).
import type { TFunction } from 'i18next';
import type { Refusal, UserMessage } from '../store/types';

export function refusalText(t: TFunction, why: Refusal): string {
  switch (why.kind) {
    case 'range': {
      const kind = t(why.integer ? 'rules.integer' : 'rules.number');
      const low = t(why.minExclusive ? 'rules.greaterThan' : 'rules.atLeast', { min: why.min });
      const off = why.off !== undefined ? t('rules.off', { off: why.off }) : '';
      return t('rules.range', { kind, low, max: why.max, off });
    }
    case 'boolean':
      return t('rules.boolean');
    case 'order':
      return t('rules.order', { names: why.names.join(', ') });
    case 'oneOf':
      return t('rules.oneOf', { values: why.values.join(', ') });
    case 'breakers':
      return t('rules.breakers', { max: why.max });
    case 'tokenIds':
      return why.vocabSize === undefined ? t('rules.tokenIds') : t('rules.tokenIdsBelow', { vocab: why.vocabSize });
    case 'bias':
      return t('rules.bias', { min: why.min, max: why.max });
    case 'biasPairs':
      return t('rules.biasPairs');
    case 'knownName':
      return t('rules.knownName');
    case 'context':
      return t('rules.context', { max: why.max });
    case 'stopCount':
      return t('rules.stopCount', { max: why.max });
    case 'language':
      return t('rules.language');
    case 'modelRef':
      return t('rules.modelRef');
    case 'mode':
      return t('rules.mode');
    case 'toyToken':
      return t('rules.toyToken');
    case 'toyCount':
      return t('rules.toyCount', { max: why.max });
    case 'text':
      return why.text;
  }
}

export function messageText(t: TFunction, message: UserMessage): string {
  const params = message.why ? { ...message.params, why: refusalText(t, message.why) } : message.params;
  const text = t(message.key, params);
  return message.detail ? t('errors.withDetail', { text, detail: message.detail }) : text;
}
