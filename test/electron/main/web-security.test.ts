import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RENDERER_CSP, guardWebContents, isAllowedExternalUrl, setupSessionSecurity } from '../../../electron/main/web-security.js';
import { FakeEvent, FakeWebContents, electronMock, session, shell } from '../../helpers/electron-mock.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

type HeadersCallback = (response: { responseHeaders?: Record<string, string[]> }) => void;

beforeEach(() => electronMock.reset());

describe('external links', () => {
  it('allows only https links to Bitrix24, its docs and GitHub', () => {
    for (const url of [
      'https://apidocs.bitrix24.com/api-reference/events/index.html',
      'https://some-domain.bitrix24.com/crm/deal/details/4512/',
      'https://portal.bitrix24.ru/',
      'https://b24.bitrix24.com.br/',
      'https://github.com/electron/electron',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(true);
    }
    for (const url of [
      'http://apidocs.bitrix24.com/',
      'https://bitrix24.com.evil.example/',
      'https://evilbitrix24.com/',
      'https://apidocs.bitrix24.com@evil.example/',
      'https://user:pass@github.com/',
      'https://github.com:8443/',
      'https://gist.github.io/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://bitrix24.com/share',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });
});

describe('guardWebContents', () => {
  it('denies every new window, opening only allow-listed links in the browser', () => {
    const contents = new FakeWebContents();
    guardWebContents(contents as never);
    expect(contents.openWindow('https://apidocs.bitrix24.com/')).toEqual({ action: 'deny' });
    expect(contents.openWindow('https://evil.example/')).toEqual({ action: 'deny' });
    expect(contents.openWindow('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual(['https://apidocs.bitrix24.com/']);
  });

  it('blocks every navigation away from the loaded page', () => {
    const contents = new FakeWebContents();
    guardWebContents(contents as never);
    contents.mainFrame.url = 'file:///app/dist/renderer/index.html';
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'file:///app/dist/renderer/other.html', 'https://github.com/']) {
      expect(contents.navigate(url), url).toBe(true);
    }
    expect(contents.getURL()).toBe('file:///app/dist/renderer/index.html');
    expect(shell.opened).toEqual(['https://github.com/']);
    const attach = new FakeEvent();
    contents.emit('will-attach-webview', attach, {}, {});
    expect(attach.defaultPrevented).toBe(true);
    const redirect = new FakeEvent();
    contents.emit('will-redirect', redirect, 'https://evil.example/');
    expect(redirect.defaultPrevented).toBe(true);
  });
});

describe('setupSessionSecurity', () => {
  it('denies every permission request and check', () => {
    const ses = session.defaultSession;
    setupSessionSecurity(ses as never);
    for (const permission of ['notifications', 'media', 'geolocation', 'openExternal', 'clipboard-read', 'unknown']) {
      const callback = vi.fn();
      ses.permissionRequestHandler!(null, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(ses.permissionCheckHandler!(null, permission, 'file:///', {})).toBe(false);
    }
    expect(ses.devicePermissionHandler!({})).toBe(false);
  });

  it('adds a strict Content-Security-Policy header to the renderer file:// responses', () => {
    const ses = session.defaultSession;
    setupSessionSecurity(ses as never);
    const listener = ses.webRequest.headersReceived!;
    let response: Parameters<HeadersCallback>[0] | undefined;
    listener({ url: 'file:///app/dist/renderer/index.html', responseHeaders: { 'X-Other': ['1'] } }, (r: Parameters<HeadersCallback>[0]) => (response = r));
    const csp = response?.responseHeaders?.['Content-Security-Policy'];
    expect(csp).toEqual([RENDERER_CSP]);
    expect(response?.responseHeaders?.['X-Other']).toEqual(['1']);
    for (const directive of ["default-src 'none'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]) {
      expect(RENDERER_CSP).toContain(directive);
    }
    expect(RENDERER_CSP).not.toMatch(/unsafe-(inline|eval)|\*/);

    listener({ url: 'https://example.com/', responseHeaders: {} }, (r: Parameters<HeadersCallback>[0]) => (response = r));
    expect(response).toEqual({});
  });
});
