// i18next set-up: English and 中文 resources, default from the browser, switchable at run time.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zh } from './zh';

import type { Lang } from './lang';
export { LANGS, browserLang, type Lang } from './lang';

export function initI18n(lang: Lang): typeof i18next {
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, zh: { translation: zh } },
    lng: lang,
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes; model text is never rendered as HTML
    returnObjects: true,
  });
  return i18next;
}

/**
 * The first translation runs much of i18next's code for the first time (slow while it is compiled); done here, in
 * a task of its own, it is not part of the page's first render.
 */
export function warmI18n(): void {
  i18next.t('app.title');
  i18next.t('model.loading', { file: 'model' });
}

/**
 * Plural forms (Intl.PluralRules) and grouped numbers (Intl.NumberFormat) load the browser's locale data on first
 * use, a long task on a slow machine; done in a task of its own while the model loads, not when it is ready.
 */
export function warmIntl(): void {
  i18next.t('model.threads', { count: 2 });
  (8192).toLocaleString();
}
