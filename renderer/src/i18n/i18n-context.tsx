/**
 * The page's language: the saved setting (`settings.language`), else the system's (navigator.language).
 */
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import type { Language } from '../../../electron/core/contract';
import { createI18n, resolveLanguage, type I18n } from './i18n';

const I18nContext = createContext<I18n>(createI18n('en'));

export function systemLanguage(): string | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.language;
}

export function I18nProvider({ language, children }: { language: Language | undefined; children: ReactNode }) {
  const lang = resolveLanguage(language, systemLanguage());
  const i18n = useMemo(() => createI18n(lang), [lang]);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t('app.title');
  }, [lang, i18n]);
  return <I18nContext.Provider value={i18n}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
