/**
 * The one fake of the `electron` module for the shell's wiring tests (the Electron binary is not
 * available here). It records what the shell asks for and lets a test play the renderer side:
 *
 *   vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);
 *
 * IPC is modelled end to end: `ipcRenderer.invoke` runs the `ipcMain.handle` handler with an event
 * from `electronMock.renderer` (the frame the preload lives in), arguments structured-cloned as
 * Electron would; `webContents.send` reaches `ipcRenderer.on` listeners when sent to that frame's page.
 */
import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions, MenuItemConstructorOptions } from 'electron';

// Handlers of every shape are stored and called back with whatever the real event would carry.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => unknown;

class FakeEmitter {
  private readonly listeners = new Map<string, Listener[]>();
  on(name: string, listener: Listener): this {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return this;
  }
  once(name: string, listener: Listener): this {
    const wrapped: Listener = (...args) => (this.removeListener(name, wrapped), listener(...args));
    return this.on(name, wrapped);
  }
  removeListener(name: string, listener: Listener): this {
    this.listeners.set(name, (this.listeners.get(name) ?? []).filter((l) => l !== listener));
    return this;
  }
  off(name: string, listener: Listener): this {
    return this.removeListener(name, listener);
  }
  emit(name: string, ...args: unknown[]): boolean {
    const list = this.listeners.get(name) ?? [];
    for (const listener of list) listener(...args);
    return list.length > 0;
  }
  listenerCount(name: string): number {
    return this.listeners.get(name)?.length ?? 0;
  }
}

/** A navigation or similar event whose default a handler may prevent. */
export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class FakeWebFrameMain {
  constructor(
    public url: string,
    readonly parent: FakeWebFrameMain | null = null,
  ) {}
}

let nextContentsId = 1;

export class FakeWebContents extends FakeEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame = new FakeWebFrameMain('about:blank');
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  send(channel: string, ...args: unknown[]): void {
    const cloned = args.map((a) => structuredClone(a));
    this.sent.push({ channel, args: cloned });
    if (electronMock.renderer?.sender === this) ipcRenderer.deliver(channel, cloned);
  }
  setWindowOpenHandler(handler: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = handler;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  /** Test helper: what a page would trigger with window.open. */
  openWindow(url: string): { action: 'allow' | 'deny' } {
    return this.windowOpenHandler ? this.windowOpenHandler({ url }) : { action: 'allow' };
  }
  /** Test helper: a server redirect during a navigation. Returns whether it was blocked. */
  redirect(url: string): boolean {
    const event = new FakeEvent();
    this.emit('will-redirect', event, url);
    if (!event.defaultPrevented) this.mainFrame.url = url;
    return event.defaultPrevented;
  }
  /** Test helper: what a page would trigger with location = url. Returns whether it was blocked. */
  navigate(url: string): boolean {
    const event = new FakeEvent();
    this.emit('will-navigate', event, url);
    if (!event.defaultPrevented) this.mainFrame.url = url;
    return event.defaultPrevented;
  }
}

export class FakeBrowserWindow extends FakeEmitter {
  static readonly instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  destroyed = false;
  minimized = false;
  maximized = false;
  focused = false;
  bounds: { x: number; y: number; width: number; height: number };
  loadedFile: string | null = null;

  constructor(readonly options: BrowserWindowConstructorOptions = {}) {
    super();
    this.bounds = { x: options.x ?? 100, y: options.y ?? 100, width: options.width ?? 800, height: options.height ?? 600 };
    FakeBrowserWindow.instances.push(this);
    app.emit('web-contents-created', new FakeEvent(), this.webContents);
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.instances.filter((w) => !w.destroyed);
  }
  static fromWebContents(contents: FakeWebContents): FakeBrowserWindow | null {
    return FakeBrowserWindow.instances.find((w) => w.webContents === contents) ?? null;
  }
  loadedUrl: string | null = null;
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.mainFrame.url = url;
  }
  async loadFile(file: string): Promise<void> {
    this.loadedFile = file;
    this.webContents.mainFrame.url = pathToFileURL(file).href;
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): FakeBrowserWindow['bounds'] {
    return { ...this.bounds };
  }
  setBounds(bounds: Partial<FakeBrowserWindow['bounds']>): void {
    this.bounds = { ...this.bounds, ...bounds };
    this.emit('resize');
  }
  /** Like the close button: 'close' may be prevented; otherwise the window is destroyed. */
  close(): void {
    const event = new FakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('closed');
  }
}

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export const ipcMain = {
  handlers: new Map<string, Handler>(),
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  },
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  },
  /** Test helper: invoke a handler with an explicit event (any sender/frame). */
  async invokeAs(event: { sender: unknown; senderFrame: unknown }, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args.map((a) => structuredClone(a)));
  },
};

export const ipcRenderer = {
  listeners: new Map<string, Listener[]>(),
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    const renderer = electronMock.renderer;
    if (!renderer) throw new Error('electronMock.renderer is not set');
    return ipcMain.invokeAs(renderer, channel, ...args);
  },
  on(channel: string, listener: Listener): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
  },
  removeListener(channel: string, listener: Listener): void {
    this.listeners.set(channel, (this.listeners.get(channel) ?? []).filter((l) => l !== listener));
  },
  deliver(channel: string, args: unknown[]): void {
    for (const listener of this.listeners.get(channel) ?? []) listener({ sender: this }, ...args);
  },
  send(): never {
    throw new Error('the preload must not use ipcRenderer.send');
  },
};

export const contextBridge = {
  exposed: {} as Record<string, unknown>,
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed[key] = api;
  },
};

class FakeSession {
  permissionRequestHandler: Listener | null = null;
  permissionCheckHandler: Listener | null = null;
  devicePermissionHandler: Listener | null = null;
  readonly webRequest = {
    headersReceived: null as Listener | null,
    onHeadersReceived(filterOrListener: unknown, maybeListener?: Listener): void {
      this.headersReceived = (typeof filterOrListener === 'function' ? filterOrListener : maybeListener) as Listener;
    },
  };
  setPermissionRequestHandler(handler: Listener | null): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: Listener | null): void {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: Listener | null): void {
    this.devicePermissionHandler = handler;
  }
}

export const session = { defaultSession: new FakeSession() };

export const shell = {
  opened: [] as string[],
  async openExternal(url: string): Promise<void> {
    this.opened.push(url);
  },
};

export const dialog = {
  /** What the next save dialog answers. */
  saveAnswer: { canceled: true, filePath: '' } as { canceled: boolean; filePath: string },
  saveCalls: [] as unknown[][],
  errors: [] as string[][],
  async showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath: string }> {
    this.saveCalls.push(args);
    return this.saveAnswer;
  },
  showErrorBox(title: string, content: string): void {
    this.errors.push([title, content]);
  },
};

export class FakeNativeImage {
  readonly representations: Array<{ scaleFactor: number; width: number; height: number; buffer: Buffer }> = [];
  addRepresentation(rep: FakeNativeImage['representations'][number]): void {
    this.representations.push(rep);
  }
}

export const nativeImage = {
  createFromBitmap(buffer: Buffer, options: { width: number; height: number; scaleFactor?: number }): FakeNativeImage {
    if (buffer.length !== options.width * options.height * 4) throw new Error('bitmap size does not match');
    const image = new FakeNativeImage();
    image.addRepresentation({ scaleFactor: options.scaleFactor ?? 1, width: options.width, height: options.height, buffer });
    return image;
  },
  createEmpty(): FakeNativeImage {
    return new FakeNativeImage();
  },
};

export class FakeMenu {
  constructor(readonly template: MenuItemConstructorOptions[]) {}
  /** Test helper: the item with this label, searched through submenus. */
  item(label: string): MenuItemConstructorOptions | undefined {
    const find = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions | undefined => {
      for (const item of items) {
        if (item.label === label) return item;
        const found = Array.isArray(item.submenu) ? find(item.submenu) : undefined;
        if (found) return found;
      }
      return undefined;
    };
    return find(this.template);
  }
}

export const Menu = {
  applicationMenu: null as FakeMenu | null,
  buildFromTemplate(template: MenuItemConstructorOptions[]): FakeMenu {
    return new FakeMenu(template);
  },
  setApplicationMenu(menu: FakeMenu | null): void {
    Menu.applicationMenu = menu;
  },
};

export class Tray extends FakeEmitter {
  static readonly instances: Tray[] = [];
  tooltip = '';
  title = '';
  menu: FakeMenu | null = null;
  destroyed = false;
  constructor(public image: FakeNativeImage) {
    super();
    Tray.instances.push(this);
  }
  setImage(image: FakeNativeImage): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setTitle(text: string): void {
    this.title = text;
  }
  setContextMenu(menu: FakeMenu): void {
    this.menu = menu;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

export class Notification extends FakeEmitter {
  static readonly shown: Notification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return Notification.supported;
  }
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  show(): void {
    Notification.shown.push(this);
  }
}

export const clipboard = {
  text: '',
  writeText(text: string): void {
    this.text = text;
  },
};

export const screen = {
  displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
  getAllDisplays(): Array<{ workArea: { x: number; y: number; width: number; height: number } }> {
    return this.displays;
  },
};

class FakeApp extends FakeEmitter {
  paths: Record<string, string> = {};
  isPackaged = true;
  singleInstance = true;
  quitCalls = 0;
  exitCode: number | null = null;
  loginItem = { openAtLogin: false, args: [] as string[] };
  loginItemCalls: unknown[] = [];
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  constructor() {
    super();
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }
  getPath(name: string): string {
    const value = this.paths[name];
    if (!value) throw new Error(`app.getPath('${name}') not set in the test`);
    return value;
  }
  getName(): string {
    return 'Bitrix24 Deletion Monitor';
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  /** Test helper: fire 'ready'. */
  becomeReady(): void {
    this.markReady();
    this.emit('ready');
  }
  /** Like Electron: 'before-quit' may be prevented; otherwise counts a quit. */
  quit(): void {
    const event = new FakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.quitCalls++;
  }
  exit(code = 0): void {
    this.exitCode = code;
  }
  /** What macOS would say about this launch (`wasOpenedAtLogin`). */
  openedAtLogin = false;
  getLoginItemSettings(): { openAtLogin: boolean; wasOpenedAtLogin: boolean } {
    return { ...this.loginItem, wasOpenedAtLogin: this.openedAtLogin };
  }
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void {
    this.loginItemCalls.push(settings);
    this.loginItem = { openAtLogin: settings.openAtLogin, args: settings.args ?? [] };
  }
}

export const app = new FakeApp();

/**
 * safeStorage as the OS provides it: encryption with a key the "machine" holds (here, in memory), so a
 * blob written by one machine does not open on another (`newMachine()`), and a backend that may be
 * Linux's plain-text fallback.
 */
export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret' as string,
  machineKey: Buffer.from('fake-os-keyring-0000000000000000'),
  isEncryptionAvailable(): boolean {
    return this.available;
  },
  getSelectedStorageBackend(): string {
    return this.backend;
  },
  encryptString(plain: string): Buffer {
    if (!this.available) throw new Error('Encryption is not available.');
    const data = Buffer.from(plain, 'utf8');
    return Buffer.concat([Buffer.from('fake-os1:'), Buffer.from(data.map((b, i) => b ^ this.machineKey[i % this.machineKey.length]!))]);
  },
  decryptString(blob: Buffer): string {
    if (!this.available) throw new Error('Encryption is not available.');
    if (!blob.subarray(0, 9).equals(Buffer.from('fake-os1:'))) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(blob.subarray(9).map((b, i) => b ^ this.machineKey[i % this.machineKey.length]!)).toString('utf8');
  },
  /** Another computer: its keyring holds another key. */
  newMachine(): void {
    this.machineKey = Buffer.from(`fake-os-keyring-${Math.random().toString(16).slice(2, 18).padEnd(16, '0')}`);
  },
};

/** The frame the preload runs in (sender of `ipcRenderer.invoke`), and a reset for each test. */
export const electronMock = {
  renderer: null as { sender: FakeWebContents; senderFrame: FakeWebFrameMain | null } | null,
  reset(): void {
    this.renderer = null;
    FakeBrowserWindow.instances.length = 0;
    ipcMain.handlers.clear();
    ipcRenderer.listeners.clear();
    contextBridge.exposed = {};
    session.defaultSession = new FakeSession();
    shell.opened.length = 0;
    dialog.saveAnswer = { canceled: true, filePath: '' };
    dialog.saveCalls.length = 0;
    dialog.errors.length = 0;
    Menu.applicationMenu = null;
    Tray.instances.length = 0;
    Notification.shown.length = 0;
    Notification.supported = true;
    clipboard.text = '';
    app.loginItem = { openAtLogin: false, args: [] };
    app.openedAtLogin = false;
    safeStorage.available = true;
    safeStorage.backend = 'gnome_libsecret';
    app.loginItemCalls.length = 0;
    app.isPackaged = true;
  },
};

/** What `vi.mock('electron', ...)` should return: the named exports the shell imports. */
export const electronModule = {
  app,
  BrowserWindow: FakeBrowserWindow,
  ipcMain,
  ipcRenderer,
  contextBridge,
  session,
  shell,
  dialog,
  Tray,
  Menu,
  Notification,
  nativeImage,
  clipboard,
  screen,
  safeStorage,
};
