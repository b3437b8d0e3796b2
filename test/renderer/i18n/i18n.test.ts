import { describe, expect, it } from 'vitest';
import { en } from '../../../renderer/src/i18n/en';
import { createI18n, formatLocalDateTime, resolveLanguage } from '../../../renderer/src/i18n/i18n';
import { ru } from '../../../renderer/src/i18n/ru';

describe('dictionaries', () => {
  it('Russian has every English key, none empty, with the same placeholders', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    const placeholders = (m: unknown) => [...new Set(JSON.stringify(m).match(/\{\w+\}/g) ?? [])].sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(JSON.stringify(ru[key]).length, key).toBeGreaterThan(2);
      expect(placeholders(ru[key]), key).toEqual(placeholders(en[key]));
    }
  });
});

describe('createI18n', () => {
  it('fills placeholders and picks Russian plural forms', () => {
    const t = createI18n('ru').t;
    expect(t('table.count', { count: 1 })).toBe('1 удаление');
    expect(t('table.count', { count: 3 })).toBe('3 удаления');
    expect(t('table.count', { count: 25 })).toBe('25 удалений');
    expect(t('table.count', { count: 21 })).toBe('21 удаление');
    expect(createI18n('en').t('table.count', { count: 1 })).toBe('1 deletion');
    expect(createI18n('en').t('table.count', { count: 1234567 })).toBe('1,234,567 deletions');
    expect(createI18n('en').t('token.added', { fingerprint: 'a1b2c3d4' })).toBe('Token a1b2c3d4 added.');
  });

  it('labels entity types, smart processes by number', () => {
    const en = createI18n('en');
    const ru = createI18n('ru');
    expect([1, 2, 3, 4, 5, 7, 8, 14, 31].map(en.entityType)).toEqual(['Lead', 'Deal', 'Contact', 'Company', 'Invoice', 'Estimate', 'Requisite', 'Order', 'Invoice']);
    expect(en.entityType(1220)).toBe('Smart process 1220');
    expect(ru.entityType(1220)).toBe('Смарт-процесс 1220');
    expect(ru.entityType(2)).toBe('Сделка');
  });

  it('shows local time as YYYY-MM-DD HH:mm:ss', () => {
    const ms = new Date(2025, 0, 5, 7, 8, 9).getTime();
    expect(formatLocalDateTime(ms)).toBe('2025-01-05 07:08:09');
  });
});

describe('resolveLanguage', () => {
  it('follows the setting, else the system language', () => {
    expect(resolveLanguage('ru', 'en-US')).toBe('ru');
    expect(resolveLanguage('en', 'ru-RU')).toBe('en');
    expect(resolveLanguage('system', 'ru-RU')).toBe('ru');
    expect(resolveLanguage('system', 'de-DE')).toBe('en');
    expect(resolveLanguage(undefined, undefined)).toBe('en');
  });
});
