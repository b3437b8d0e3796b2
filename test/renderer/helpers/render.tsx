/** Rendering with the providers the app uses, over a FakeMonitor. */
import { act, cleanup, render, type RenderResult } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { afterEach } from 'vitest';
import type { Language } from '../../../electron/core/contract';
import { MonitorProvider } from '../../../renderer/src/api/monitor-context';
import { MonitorApp } from '../../../renderer/src/app';
import { I18nProvider } from '../../../renderer/src/i18n/i18n-context';
import { FakeMonitor } from './fake-monitor';

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(() => cleanup());

export function renderWith(ui: ReactElement, options: { api?: FakeMonitor; language?: Language } = {}): RenderResult & { api: FakeMonitor } {
  const api = options.api ?? new FakeMonitor();
  const language = options.language ?? 'en';
  // A wrapper (not an enclosing element) so `rerender` keeps the providers.
  const wrapper = ({ children }: { children: ReactNode }) => (
    <MonitorProvider api={api}>
      <I18nProvider language={language}>{children}</I18nProvider>
    </MonitorProvider>
  );
  return Object.assign(render(ui, { wrapper }), { api });
}

/** The whole app; resolves once the first answers are in. */
export async function renderApp(api: FakeMonitor, initialTableHeight = 320): Promise<RenderResult> {
  const result = render(
    <MonitorProvider api={api}>
      <MonitorApp initialTableHeight={initialTableHeight} />
    </MonitorProvider>,
  );
  await flush();
  return result;
}

/** Lets pending promises (fake calls) and the renders they cause finish. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) {
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  }
}
