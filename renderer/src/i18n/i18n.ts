/**
 * Translation and formatting for one language. Pure: the React binding is in `i18n-context.tsx`.
 */
import type { Language } from '../../../electron/core/contract';
import { en, type Dictionary, type MessageKey, type Plural } from './en';
import { ru } from './ru';

export type Lang = 'en' | 'ru';
export type { MessageKey };

const dictionaries: Record<Lang, Dictionary> = { en, ru };

/** The language to show: the saved choice, or the system's (Russian for any `ru*` locale). */
export function resolveLanguage(setting: Language | undefined, systemLanguage: string | undefined): Lang {
  if (setting === 'en' || setting === 'ru') return setting;
  return systemLanguage?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export type Vars = Record<string, string | number>;

export interface I18n {
  lang: Lang;
  /** The message for `key` with `{name}` placeholders filled; plural messages pick their form by `count`. */
  t(key: MessageKey, vars?: Vars): string;
  /** Counts with the language's digit grouping (never used for ids). */
  count(n: number): string;
  /** Local date and time, `2025-11-26 19:44:03`: compact, unambiguous, sorts as text. */
  dateTime(ms: number): string;
  /** Long local date and time with the time zone, for tooltips. */
  dateTimeLong(ms: number): string;
  /** Label of a CRM entity type id. */
  entityType(id: number): string;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2025-11-26 19:44:03` in local time. */
export function formatLocalDateTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const ENTITY_KEYS: Readonly<Record<number, MessageKey>> = {
  1: 'entity.1',
  2: 'entity.2',
  3: 'entity.3',
  4: 'entity.4',
  5: 'entity.5',
  7: 'entity.7',
  8: 'entity.8',
  14: 'entity.14',
  31: 'entity.31',
};

export function createI18n(lang: Lang): I18n {
  const dictionary = dictionaries[lang];
  const plurals = new Intl.PluralRules(lang);
  const numbers = new Intl.NumberFormat(lang);
  const long = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'long' });

  const t = (key: MessageKey, vars: Vars = {}): string => {
    const message: string | Plural = dictionary[key];
    let text: string;
    if (typeof message === 'string') text = message;
    else {
      const count = Number(vars.count ?? 0);
      const form = plurals.select(count) as keyof Plural;
      text = message[form] ?? message.other;
    }
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      if (!(name in vars)) return whole;
      const value = vars[name]!;
      // `{count}` in plural messages is a count: group its digits. Everything else is shown as given.
      return name === 'count' && typeof value === 'number' ? numbers.format(value) : String(value);
    });
  };

  return {
    lang,
    t,
    count: (n) => numbers.format(n),
    dateTime: formatLocalDateTime,
    dateTimeLong: (ms) => long.format(new Date(ms)),
    entityType: (id) => {
      const key = ENTITY_KEYS[id];
      return key ? t(key) : t('entity.smart', { id: String(id) });
    },
  };
}
