import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { AppStatus, TunnelState } from '../../../electron/core/contract';
import { AlertBanners } from '../../../renderer/src/components/alert-banners';
import { defaultStatus } from '../helpers/fake-monitor';
import { renderWith } from '../helpers/render';

function statusWith(tunnel: TunnelState, extra: Partial<AppStatus> = {}): AppStatus {
  return { ...defaultStatus(), tunnel, ...extra };
}

describe('AlertBanners', () => {
  it('shows nothing when all is well', () => {
    renderWith(<AlertBanners status={defaultStatus()} connection="connected" onOpenSettings={() => undefined} />);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('warns that deletions are lost while the tunnel reconnects', () => {
    const tunnel: TunnelState = { status: 'reconnecting', attempt: 2, nextTryAt: Date.now() + 4000, reason: 'socket hang up' };
    renderWith(<AlertBanners status={statusWith(tunnel)} connection="connected" onOpenSettings={() => undefined} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('The public URL is down: Bitrix24 cannot deliver deletions');
    expect(alert.textContent).toContain('attempt 2');
    expect(alert.textContent).toContain('socket hang up');
  });

  it('warns when the tunnel failed, with a way to the settings', async () => {
    const onOpenSettings = vi.fn();
    renderWith(<AlertBanners status={statusWith({ status: 'failed', reason: 'server refused the subdomain' })} connection="connected" onOpenSettings={onOpenSettings} />);
    expect(screen.getByRole('alert').textContent).toContain('The tunnel failed');
    await userEvent.click(screen.getByRole('button', { name: 'Open settings' }));
    expect(onOpenSettings).toHaveBeenCalled();
  });

  it('tells to update the webhook when the public URL changed, with the new URL to copy', async () => {
    const user = userEvent.setup();
    const tunnel: TunnelState = { status: 'online', url: 'https://new-sub.loca.lt', urlChanged: true, previousUrl: 'https://old-sub.loca.lt', since: 0 };
    renderWith(<AlertBanners status={statusWith(tunnel)} connection="connected" onOpenSettings={() => undefined} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('The public URL changed — update the webhook in Bitrix24');
    expect(alert.textContent).toContain('https://new-sub.loca.lt');
    expect(alert.textContent).toContain('Previous URL: https://old-sub.loca.lt');
    await user.click(screen.getByRole('button', { name: 'Copy New URL' }));
    expect(await navigator.clipboard.readText()).toBe('https://new-sub.loca.lt');
    await act(() => user.click(screen.getByRole('button', { name: 'I updated the webhook' })));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('warns that deletions cannot be saved when the disk fails', () => {
    const status = { ...defaultStatus(), store: { ok: false, error: 'ENOSPC: no space left on device', quarantinedFiles: [] } };
    renderWith(<AlertBanners status={status} connection="connected" onOpenSettings={() => undefined} />);
    expect(screen.getByRole('alert').textContent).toContain('Deletions cannot be saved: ENOSPC: no space left on device');
  });

  it('says when the dashboard lost its server', () => {
    renderWith(<AlertBanners status={defaultStatus()} connection="reconnecting" onOpenSettings={() => undefined} />);
    expect(screen.getByRole('alert').textContent).toContain('Lost the connection to the monitor');
  });

  it('is in Russian too', () => {
    const tunnel: TunnelState = { status: 'online', url: 'https://x.loca.lt', urlChanged: true, previousUrl: null, since: 0 };
    renderWith(<AlertBanners status={statusWith(tunnel)} connection="connected" onOpenSettings={() => undefined} />, { language: 'ru' });
    expect(screen.getByRole('alert').textContent).toContain('Публичный адрес изменился — обновите вебхук в Битрикс24');
  });
});
