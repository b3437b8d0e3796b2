import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeletionRecord } from '../../../electron/core/contract.js';
import { BURST, BurstPlanner, SNAPSHOT_WAIT_MS, notificationText, setupNotifications } from '../../../electron/main/notifications.js';
import { Notification, electronMock } from '../../helpers/electron-mock.js';
import { makeRecord } from '../../helpers/records.js';
import { FakeCore, settings } from './fake-core.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

beforeEach(() => electronMock.reset());
afterEach(() => vi.useRealTimers());

const record = (itemId: number, overrides: Parameters<typeof makeRecord>[1] = {}): DeletionRecord => ({ ...makeRecord(itemId, overrides), seq: itemId });
const records = (from: number, n: number): DeletionRecord[] => Array.from({ length: n }, (_, i) => record(from + i));

describe('burst planner', () => {
  it('shows up to 3 deletions within 2 s one by one, then sums up the rest', () => {
    const planner = new BurstPlanner();
    expect(planner.add(records(1, 1), 0).show).toHaveLength(1);
    expect(planner.add(records(2, 2), 500).show).toHaveLength(2);
    const fourth = planner.add(records(4, 1), 900);
    expect(fourth).toEqual({ show: [], needsFlush: true });
    planner.add(records(5, 10), 1000);
    expect(planner.flush()).toEqual({ kind: 'summary', count: 11 });
    expect(planner.flush()).toBeNull();
    // Quiet for longer than the window: single notifications again.
    expect(planner.add(records(20, 1), 1000 + BURST.windowMs + 1).show).toHaveLength(1);
  });

  it('sums up a big batch at once', () => {
    const planner = new BurstPlanner();
    const { show, needsFlush } = planner.add(records(1, 50), 0);
    expect(show).toHaveLength(3);
    expect(needsFlush).toBe(true);
    expect(planner.flush()).toEqual({ kind: 'summary', count: 47 });
  });

  it('describes a deletion in one line', () => {
    const text = notificationText({ kind: 'single', record: record(1, { entityTypeId: 2, itemId: 4512, portal: 'a.bitrix24.com', byUser: true, userId: 5 }) });
    expect(text).toEqual({ title: 'Deleted: Deal #4512', body: 'a.bitrix24.com, by user 5' });
    expect(notificationText({ kind: 'summary', count: 12 }).title).toBe('12 more CRM deletions');
    // Application mode's names; automation only where an application says no user deleted; a webhook says nothing of who.
    const base = record(1, { portal: 'acme.bitrix24.com', itemId: 4501, entityTypeId: 2 });
    expect(notificationText({ kind: 'single', record: { ...base, userId: 7, userName: 'Ivan Petrov', entityTypeId: 1038, entityTypeName: 'Equipment purchase' } })).toEqual({
      title: 'Deleted: Equipment purchase #4501',
      body: 'acme.bitrix24.com, by Ivan Petrov',
    });
    const apps = new Set(['acme.bitrix24.com']);
    expect(notificationText({ kind: 'single', record: { ...base, userId: null, byUser: false } }, apps).body).toBe('acme.bitrix24.com, by automation');
    expect(notificationText({ kind: 'single', record: { ...base, portal: 'hook.bitrix24.com', userId: null, byUser: false } }, apps).body).toBe('hook.bitrix24.com');
    });
});

describe('setupNotifications', () => {
  it('notifies per deletion, summarises a burst, opens the window on click, and follows the setting', async () => {
    vi.useFakeTimers();
    const core = new FakeCore();
    let shown = 0;
    const undo = setupNotifications({ core: core.asShellCore(), showWindow: () => shown++ });
    await vi.advanceTimersByTimeAsync(0);
    core.fire('deletionsAdded', records(1, 2));
    expect(Notification.shown.map((n) => n.options.title)).toHaveLength(2);
    core.fire('deletionsAdded', records(3, 5));
    expect(Notification.shown).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(BURST.windowMs);
    expect(Notification.shown.at(-1)!.options.title).toBe('4 more CRM deletions');
    Notification.shown[0]!.emit('click');
    expect(shown).toBe(1);

    core.fire('settingsChanged', settings({ notifications: false }));
    await vi.advanceTimersByTimeAsync(BURST.windowMs * 2);
    core.fire('deletionsAdded', records(10, 1));
    expect(Notification.shown).toHaveLength(4);
    // A mass deletion is shown even with per-deletion notifications off, and marked urgent.
    core.fire('massDeletion', { id: 'b', portal: 'acme.bitrix24.com', userId: 7, userName: 'Ivan Petrov', count: 25, firstAt: 0, lastAt: 120_000, raisedAt: 1, threshold: 20, windowMinutes: 10 });
    expect(Notification.shown).toHaveLength(5);
    expect(Notification.shown.at(-1)!.options).toMatchObject({ title: 'Mass deletion on acme.bitrix24.com', body: '25 CRM items deleted by Ivan Petrov in 2 min.', urgency: 'critical' });
    undo();
  });

  it('tells an application portal’s deletion with the item’s title, once its snapshot is beside it', async () => {
    vi.useFakeTimers();
    const core = new FakeCore();
    const pushed = record(4501, { portal: 'acme.bitrix24.com', entityTypeId: 2, userId: 7, byUser: true });
    const stored = { ...pushed, userName: 'Ivan Petrov', snapshot: { title: 'Big order', amount: 10, currency: 'RUB', responsibleId: 7, updatedAt: null, takenAt: 1 } };
    const asked: unknown[] = [];
    Object.assign(core, {
      queryDeletions: async (query: unknown) => {
        asked.push(query);
        return { total: 1, rows: [stored] };
      },
    });
    core.current = { ...core.current, apps: [{ domain: 'acme.bitrix24.com', clientId: 'local.1', status: 'connected', statusReason: null, connectedAt: 1, handlerUrl: null, handlerRefused: false, lastDrain: null }] };
    const undo = setupNotifications({ core: core.asShellCore(), showWindow: () => undefined });
    await vi.advanceTimersByTimeAsync(0);
    core.fire('statusChanged', core.current);
    core.fire('deletionsAdded', [pushed, record(77, { portal: 'hook.bitrix24.com', entityTypeId: 2 })]);
    expect(Notification.shown.map((n) => n.options.title)).toEqual(['Deleted: Deal #77']); // a webhook portal's: at once
    await vi.advanceTimersByTimeAsync(SNAPSHOT_WAIT_MS);
    expect(asked).toEqual([{ filter: { portal: 'acme.bitrix24.com', itemId: 4501, entityTypeId: 2 }, offset: 0, limit: 10 }]);
    expect(Notification.shown.at(-1)!.options).toMatchObject({ title: 'Deleted: Deal #4501', body: '“Big order”\nacme.bitrix24.com, by Ivan Petrov' });
    // One still waiting when notifications are torn down is never shown.
    await vi.advanceTimersByTimeAsync(BURST.windowMs);
    const before = Notification.shown.length;
    core.fire('deletionsAdded', [record(4502, { portal: 'acme.bitrix24.com', entityTypeId: 2 })]);
    undo();
    await vi.advanceTimersByTimeAsync(SNAPSHOT_WAIT_MS * 2);
    expect(Notification.shown).toHaveLength(before);
  });
});
