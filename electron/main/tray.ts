/**
 * The tray icon: unseen deletions in its tooltip (and title on macOS), a red dot while there are any,
 * and a menu to show the window, copy the public URL, pause or resume the tunnel, and quit.
 */
import { Menu, Tray, clipboard, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { AppStatus } from '../core/contract.js';
import { PRODUCT_NAME } from '../core/paths.js';
import { describeError, silentLogger, type Logger } from '../core/util/logger.js';
import type { ShellCore } from './ipc.js';

export interface TrayOptions {
  core: ShellCore;
  showWindow: () => void;
  quit: () => void;
  log?: Logger;
}

/**
 * A round icon as a raw BGRA bitmap (no image files to ship): a blue disc, plus a red dot at the top
 * right while there are unseen deletions.
 */
export function trayIconBitmap(size: number, alert: boolean): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  const paint = (i: number, [b, g, r]: readonly number[], coverage: number): void => {
    pixels[i] = b!;
    pixels[i + 1] = g!;
    pixels[i + 2] = r!;
    pixels[i + 3] = Math.round(255 * Math.max(0, Math.min(1, coverage)));
  };
  const disc = { cx: size / 2, cy: size / 2, r: size * 0.42 };
  const dot = { cx: size * 0.78, cy: size * 0.22, r: size * 0.2 };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const inside = (c: { cx: number; cy: number; r: number }): number => c.r + 0.5 - Math.hypot(x + 0.5 - c.cx, y + 0.5 - c.cy);
      if (alert && inside(dot) > 0) paint(i, [0x3b, 0x30, 0xe5], inside(dot));
      else if (inside(disc) > 0) paint(i, [0xf6, 0xc6, 0x2f], inside(disc));
    }
  }
  return pixels;
}

/** The tray image at 1x and 2x. */
export function trayIcon(alert: boolean): NativeImage {
  const image = nativeImage.createFromBitmap(trayIconBitmap(16, alert), { width: 16, height: 16, scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, width: 32, height: 32, buffer: trayIconBitmap(32, alert) });
  return image;
}

/** Application portals whose access ended: nothing is recorded for them until they are connected again. */
export function portalsToReconnect(status: AppStatus): string[] {
  return (status.apps ?? []).filter((a) => a.status === 'reconnect-needed').map((a) => a.domain);
}

/** The newest mass deletion raised within the last hour, if any: the tray says so until then. */
export function recentBurst(status: AppStatus, now = Date.now()): AppStatus['alerts'][number] | null {
  const newest = status.alerts[0];
  return newest && now - newest.raisedAt < 3_600_000 ? newest : null;
}

/** The tooltip line for a status. */
export function trayTooltip(status: AppStatus): string {
  const unseen = status.counts.unseen;
  const tunnel = status.tunnelPaused ? 'tunnel paused' : `tunnel ${status.tunnel.status}`;
  const reconnect = portalsToReconnect(status);
  const burst = recentBurst(status);
  return `${PRODUCT_NAME}: ${unseen === 0 ? 'no new deletions' : `${unseen} new deletion${unseen === 1 ? '' : 's'}`} (${tunnel})${reconnect.length > 0 ? `; reconnect ${reconnect.join(', ')}` : ''}${burst ? `; mass deletion on ${burst.portal} (${burst.count})` : ''}`;
}

/** The tray menu for a status. */
export function trayMenuTemplate(status: AppStatus, actions: { show: () => void; copyUrl: (url: string) => void; setPaused: (paused: boolean) => void; quit: () => void }): MenuItemConstructorOptions[] {
  const url = status.tunnel.status === 'online' ? status.tunnel.url : null;
  return [
    { label: 'Show', click: actions.show },
    { label: 'Copy public URL', enabled: url !== null, click: () => url && actions.copyUrl(url) },
    status.tunnelPaused
      ? { label: 'Resume tunnel', click: () => actions.setPaused(false) }
      : { label: 'Pause tunnel', enabled: status.tunnel.status !== 'off', click: () => actions.setPaused(true) },
    { type: 'separator' },
    { label: 'Quit', click: actions.quit },
  ];
}

/** Creates the tray icon and keeps it in step with the core's status; returns the tray. */
export function setupTray(options: TrayOptions): Tray {
  const { core } = options;
  const log = options.log ?? silentLogger;
  let alert = false;
  const tray = new Tray(trayIcon(alert));
  tray.setToolTip(PRODUCT_NAME);
  tray.on('click', options.showWindow);

  const actions = {
    show: options.showWindow,
    copyUrl: (url: string) => clipboard.writeText(url),
    setPaused: (paused: boolean) => {
      core.setTunnelPaused({ paused }).then(update, (error: unknown) => log.warn(`tray: tunnel ${paused ? 'pause' : 'resume'} failed: ${describeError(error)}`));
    },
    quit: options.quit,
  };
  function update(status: AppStatus): void {
    if (tray.isDestroyed()) return;
    const unseen = status.counts.unseen;
    const wanted = unseen > 0 || portalsToReconnect(status).length > 0 || recentBurst(status) !== null;
    if (alert !== wanted) {
      alert = wanted;
      tray.setImage(trayIcon(alert));
    }
    tray.setToolTip(trayTooltip(status));
    if (process.platform === 'darwin') tray.setTitle(unseen > 0 ? String(unseen) : '');
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(status, actions)));
  }

  core.on('statusChanged', update);
  core.getStatus().then(update, (error: unknown) => log.warn(`tray: no status: ${describeError(error)}`));
  return tray;
}
