import { act, fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MenuCommand } from '../../renderer/src/env';
import { FakeMonitor } from './helpers/fake-monitor';
import { flush, renderApp } from './helpers/render';

afterEach(() => {
  delete window.monitor;
  vi.restoreAllMocks();
});

describe('language', () => {
  it('switches to Russian through the settings, and it is saved', async () => {
    const user = userEvent.setup();
    const api = new FakeMonitor({ synthetic: 12 });
    await renderApp(api);
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    await user.selectOptions(screen.getByLabelText('Language'), 'ru');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await flush();
    expect(api.callsOf('updateSettings')).toEqual([[{ language: 'ru' }]]);
    expect(document.documentElement.lang).toBe('ru');
    expect(screen.getByRole('heading', { name: 'Настройки' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Удаления' }));
    await flush();
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toContain('Тип сущности');
    expect(screen.getAllByText('Сделка').length).toBeGreaterThan(0);
    expect(screen.getByText('12 удалений')).toBeTruthy();
  });

  it('follows the system language by default', async () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('ru-RU');
    await renderApp(new FakeMonitor({ synthetic: 2, settings: { language: 'system' } }));
    expect(screen.getByRole('button', { name: 'Удаления' })).toBeTruthy();
    expect(screen.getByText('2 удаления')).toBeTruthy();
  });

  it('follows a language change pushed from elsewhere', async () => {
    const api = new FakeMonitor({ synthetic: 2 });
    await renderApp(api);
    await act(async () => void (await api.updateSettings({ language: 'ru' })));
    expect(screen.getByRole('button', { name: 'Настройки' })).toBeTruthy();
  });
});

describe('shortcuts', () => {
  it('Ctrl+F focuses the filter, from any view', async () => {
    const user = userEvent.setup();
    await renderApp(new FakeMonitor({ synthetic: 5 }));
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    fireEvent.keyDown(window, { key: 'f', code: 'KeyF', ctrlKey: true });
    await flush();
    expect(document.activeElement).toBe(screen.getByLabelText('Item id'));
  });

  it('Cmd+E exports the filtered view', async () => {
    const api = new FakeMonitor({ synthetic: 5 });
    await renderApp(api);
    fireEvent.keyDown(window, { key: 'e', code: 'KeyE', metaKey: true });
    await flush();
    expect(api.callsOf('exportCsv')).toEqual([[{ filter: {}, path: '', language: 'en' }]]);
    expect(screen.getByText(/Saved 5 rows to/)).toBeTruthy();
  });

  it('works with a Cyrillic keyboard layout (physical key)', async () => {
    await renderApp(new FakeMonitor({ synthetic: 5 }));
    fireEvent.keyDown(window, { key: 'а', code: 'KeyF', ctrlKey: true });
    await flush();
    expect(document.activeElement).toBe(screen.getByLabelText('Item id'));
  });

  it('takes find/export from the desktop menu', async () => {
    const api = new FakeMonitor({ synthetic: 5 });
    let menu: ((command: MenuCommand) => void) | null = null;
    const off = vi.fn();
    window.monitor = Object.assign(api, {
      onMenuCommand: (listener: (command: MenuCommand) => void) => {
        menu = listener;
        return off;
      },
    });
    const { unmount } = await renderApp(api);
    act(() => menu!('find'));
    await flush();
    expect(document.activeElement).toBe(screen.getByLabelText('Item id'));
    act(() => menu!('export'));
    await flush();
    expect(api.callsOf('exportCsv')).toHaveLength(1);
    unmount();
    expect(off).toHaveBeenCalled();
  });
});

describe('app frame', () => {
  it('says when the monitor cannot be reached, and retries', async () => {
    const user = userEvent.setup();
    const api = new FakeMonitor();
    api.failNext('getStatus', 'NETWORK', 'the monitor cannot be reached: Failed to fetch');
    await renderApp(api);
    expect(screen.getByText(/The monitor cannot be reached: the monitor cannot be reached: Failed to fetch/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(screen.getByRole('button', { name: 'Deletions' })).toBeTruthy();
  });

  it('tells the user when the dashboard key is refused', async () => {
    const api = new FakeMonitor({ transport: 'http' });
    api.failNext('getStatus', 'UNAUTHORIZED', 'the dashboard key was refused');
    await renderApp(api);
    expect(screen.getByText(/The dashboard key was refused/)).toBeTruthy();
  });

  it('shows new deletions and counts as they are pushed, and marks them seen', async () => {
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    const api = new FakeMonitor({ synthetic: 3 });
    await renderApp(api);
    expect(api.callsOf('markSeen').length).toBeGreaterThan(0);
    act(() => void api.addDeletions(2));
    await flush();
    expect(screen.getByText('5 deletions')).toBeTruthy();
    expect(screen.getByTestId('count-total').textContent).toBe('5');
  });

  it('keeps the status bar and banners in step with status pushes', async () => {
    const api = new FakeMonitor({ synthetic: 1 });
    await renderApp(api);
    act(() => api.setTunnel({ status: 'reconnecting', attempt: 4, nextTryAt: Date.now() + 8000, reason: 'ECONNRESET' }));
    await flush();
    expect(screen.getByRole('alert').textContent).toContain('The public URL is down');
    expect(screen.getByRole('contentinfo').textContent).toContain('reconnecting, attempt 4');
  });
});
