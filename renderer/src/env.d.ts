/**
 * What the Electron preload puts on `window` (absent in the dashboard, where the HTTP client is used).
 * The API itself is typed by the contract; only the menu hook is renderer-specific.
 */
import type { MonitorApi } from '../../electron/core/contract';

/** Commands the application menu sends to the page. */
export type MenuCommand = 'find' | 'export';

export type PreloadMonitor = MonitorApi & {
  /** Subscribes to menu commands; may return an unsubscribe function. */
  onMenuCommand?: (listener: (command: MenuCommand) => void) => (() => void) | void;
};

declare global {
  interface Window {
    monitor?: PreloadMonitor;
  }
}
