/**
 * The application menu: the usual roles and shortcuts, plus Find (Ctrl/Cmd+F) and Export (Ctrl/Cmd+E),
 * which the page carries out; main only sends the command on MENU_COMMAND_CHANNEL.
 */
import { Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { PRODUCT_NAME } from '../core/paths.js';
import { MENU_COMMAND_CHANNEL, type MenuCommand } from './ipc-channels.js';
import { openExternalIfAllowed } from './web-security.js';

export const HELP_LINKS = {
  events: 'https://apidocs.bitrix24.com/api-reference/events/index.html',
} as const;

export interface MenuOptions {
  /** Sends a command to the page (MENU_COMMAND_CHANNEL). */
  send: (command: MenuCommand) => void;
  /** Quits for real (the window's close button only hides it). */
  quit: () => void;
  isMac?: boolean;
}

/** The menu template; pure, so the shortcuts can be checked without Electron. */
export function menuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const isMac = options.isMac ?? process.platform === 'darwin';
  const command = (label: string, accelerator: string, cmd: MenuCommand): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => options.send(cmd),
  });
  return [
    ...(isMac
      ? [
          {
            label: PRODUCT_NAME,
            submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { label: `Quit ${PRODUCT_NAME}`, accelerator: 'Cmd+Q', click: options.quit }],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    {
      label: '&File',
      submenu: [
        command('&Export CSV…', 'CmdOrCtrl+E', 'export'),
        { type: 'separator' },
        isMac ? { role: 'close' } : { label: 'E&xit', accelerator: 'Ctrl+Q', click: options.quit },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
        { type: 'separator' },
        command('&Find…', 'CmdOrCtrl+F', 'find'),
      ],
    },
    {
      label: '&View',
      submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    { label: '&Window', submenu: isMac ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }] },
    {
      label: '&Help',
      submenu: [{ label: 'Bitrix24 event handlers (REST docs)', click: () => openExternalIfAllowed(HELP_LINKS.events) }],
    },
  ];
}

/** Installs the application menu; commands go to the given window's page. */
export function setupMenu(win: () => BrowserWindow | null, quit: () => void): void {
  const send = (command: MenuCommand): void => {
    const target = win();
    if (target && !target.isDestroyed()) target.webContents.send(MENU_COMMAND_CHANNEL, command);
  };
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ send, quit })));
}
