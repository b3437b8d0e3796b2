import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppStatus, TunnelState } from '../../../electron/core/contract';
import { StatusBar, portOf } from '../../../renderer/src/components/status-bar';
import { defaultStatus, FakeMonitor } from '../helpers/fake-monitor';
import { flush, renderWith } from '../helpers/render';

function statusWith(tunnel: TunnelState, extra: Partial<AppStatus> = {}): AppStatus {
  return { ...defaultStatus(), tunnel, ...extra };
}

function bar(): HTMLElement {
  return screen.getByRole('contentinfo', { name: 'Monitor status' });
}

afterEach(() => vi.useRealTimers());

describe('StatusBar', () => {
  it('shows the event port and the counts', () => {
    const status = statusWith({ status: 'off' }, { counts: { total: 1_234_567, today: 42, unseen: 0, ignored: 0, rejected: 3 } });
    renderWith(<StatusBar status={status} onStatus={() => undefined} />);
    expect(bar().textContent).toContain('Event port 43111');
    expect(screen.getByTestId('count-today').textContent).toBe('42');
    expect(screen.getByTestId('count-total').textContent).toBe('1,234,567');
    expect(bar().textContent).toContain('Refused 3');
    expect(portOf('http://127.0.0.1:43111/')).toBe('43111');
    expect(portOf(null)).toBeNull();
  });

  it('says "off" and "connecting"', () => {
    const { rerender } = renderWith(<StatusBar status={statusWith({ status: 'off' })} onStatus={() => undefined} />);
    expect(bar().textContent).toContain('Tunnel off');
    expect(screen.queryByRole('button', { name: /Pause/ })).toBeNull();
    rerender(<StatusBar status={statusWith({ status: 'connecting', host: 'https://localtunnel.me' })} onStatus={() => undefined} />);
    expect(bar().textContent).toContain('connecting to https://localtunnel.me…');
  });

  it('shows the public URL when online, with a copy button', async () => {
    const user = userEvent.setup();
    const url = 'https://b24dm-1a2b3c.loca.lt';
    renderWith(<StatusBar status={statusWith({ status: 'online', url, urlChanged: false, previousUrl: null, since: 0 })} onStatus={() => undefined} />);
    expect(bar().textContent).toContain('online');
    expect(screen.getByText(url)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Copy public URL' }));
    await flush();
    expect(await navigator.clipboard.readText()).toBe(url);
    expect(screen.getByRole('button', { name: 'Copy public URL' }).textContent).toBe('Copied');
  });

  it('counts down to the next reconnect attempt', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const tunnel: TunnelState = { status: 'reconnecting', attempt: 3, nextTryAt: 1_000_000 + 5000, reason: 'connection refused' };
    renderWith(<StatusBar status={statusWith(tunnel)} onStatus={() => undefined} />);
    expect(bar().textContent).toContain('reconnecting, attempt 3, next try in 5 s');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(2000);
    });
    expect(bar().textContent).toContain('next try in 3 s');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(4000);
    });
    expect(bar().textContent).toContain('reconnecting, attempt 3…');
  });

  it('shows why the tunnel failed', () => {
    renderWith(<StatusBar status={statusWith({ status: 'failed', reason: 'getaddrinfo ENOTFOUND lt.example' })} onStatus={() => undefined} />);
    expect(bar().textContent).toContain('failed: getaddrinfo ENOTFOUND lt.example');
  });

  it('pauses and resumes the tunnel', async () => {
    const user = userEvent.setup();
    const api = new FakeMonitor();
    const onStatus = vi.fn();
    const { rerender } = renderWith(<StatusBar status={api.status} onStatus={onStatus} />, { api });
    await user.click(screen.getByRole('button', { name: 'Pause the tunnel for this session' }));
    await flush();
    expect(api.callsOf('setTunnelPaused')).toEqual([[{ paused: true }]]);
    const paused = onStatus.mock.calls[0]![0] as AppStatus;
    expect(paused.tunnelPaused).toBe(true);
    rerender(<StatusBar status={paused} onStatus={onStatus} />);
    expect(bar().textContent).toContain('Tunnel paused');
    await user.click(screen.getByRole('button', { name: 'Resume the tunnel' }));
    await flush();
    expect(api.callsOf('setTunnelPaused').at(-1)).toEqual([{ paused: false }]);
  });
});
