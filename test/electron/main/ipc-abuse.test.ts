/**
 * Bad arguments over IPC for EVERY contract call, from the trusted app window: wrong types, missing and
 * extra keys, extra arguments, oversized strings, prototype keys, non-finite numbers; hand-written per
 * call, then fuzzed. Each must come back BAD_ARGUMENTS without the core method (or, for exportCsv, the
 * save dialog) ever running. The core's methods are replaced by spies, so a call that got through is seen
 * and has no effect.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { CALL_NAMES, type CallName } from '../../../electron/core/contract.js';
import { callArgSchemas } from '../../../electron/core/contract-schemas.js';
import { callChannel, type IpcResult } from '../../../electron/main/ipc-channels.js';
import { ipcExportArgsSchema, setupIpc } from '../../../electron/main/ipc.js';
import { startCore } from '../../helpers/core-harness.js';
import { FakeBrowserWindow, electronMock, ipcMain } from '../../helpers/electron-mock.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

const RENDERER_INDEX = path.resolve('/app/dist/renderer/index.html');
const RENDERER_URL = pathToFileURL(RENDERER_INDEX).href;
const UUID = '00000000-0000-4000-8000-000000000000';
const HUGE = 'x'.repeat(1_000_000);
let dispose: (() => void) | null = null;

beforeEach(() => electronMock.reset());
afterEach(() => {
  dispose?.();
  dispose = null;
});

/** An own `__proto__` key, as JSON.parse (or a compromised page) can produce and structuredClone keeps. */
const protoKey = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ ...JSON.parse('{"__proto__":{"polluted":true}}'), ...extra });
const validFilter = { filter: {}, offset: 0, limit: 10 };

/** Hand-written bad argument lists per call (each is the full `...args` of one invoke). */
const BAD: Record<CallName, unknown[][]> = {
  getStatus: [[1], [null], [{}], [HUGE], [[]], [undefined], [protoKey()]],
  listFacets: [[1], [{ portal: 'x' }], [HUGE]],
  getActivity: [
    [],
    [{}],
    [{ filter: {}, timeZone: 'Mars/Olympus_Mons' }],
    [{ filter: {}, timeZone: '../../etc/passwd' }],
    [{ filter: { from: -1 } }],
    [{ filter: {}, rows: true }],
    [{ filter: protoKey() }],
    [HUGE],
  ],
  getSettings: [['tokens'], [{ includeTokens: true }], [HUGE]],
  listQuarantine: [[0], [{ limit: 1 }], [HUGE]],
  clearQuarantine: [[true], [{ all: true }], [HUGE]],
  sendTestEvent: [[{ url: 'https://evil.example' }], ['https://evil.example'], [HUGE]],
  markSeen: [[999_999], [{ seq: 1 }], [HUGE]],
  listPortalApps: [[1], [{ secrets: true }], [HUGE]],
  authorizePortalApp: [[], [{}], [{ domain: '' }], [{ domain: 'd'.repeat(261) }], [{ domain: 'a.bitrix24.com', extra: 1 }], ['a.bitrix24.com'], [HUGE]],
  completePortalAppAuthorization: [
    [],
    [{ domain: 'a.bitrix24.com' }],
    [{ domain: 'a.bitrix24.com', redirected: '' }],
    [{ domain: 'a.bitrix24.com', redirected: 'x'.repeat(4097) }],
    [{ domain: 'a.bitrix24.com', redirected: 'https://a.bitrix24.com/?code=1', extra: 1 }],
    [HUGE],
  ],
  connectPortalApp: [
    [],
    [{ domain: 'a.bitrix24.com', clientId: 'local.x' }],
    [{ domain: 'a.bitrix24.com', clientId: 'local.x', clientSecret: 'has space' }],
    [{ domain: 'a.bitrix24.com', clientId: 'local.x', clientSecret: 's'.repeat(201) }],
    [{ domain: 'a.bitrix24.com', clientId: 'local.x', clientSecret: 's', extra: 1 }],
    [HUGE],
  ],
  queryDeletions: [
    [],
    [null],
    ['all'],
    [{ filter: {}, offset: 0 }],
    [{ ...validFilter, extra: 1 }],
    [{ ...validFilter, filter: { bad: 1 } }],
    [{ ...validFilter, offset: -1 }],
    [{ ...validFilter, limit: 1001 }],
    [{ ...validFilter, offset: 0.5 }],
    [{ ...validFilter, offset: '0' }],
    [{ ...validFilter, offset: Number.NaN }],
    [{ ...validFilter, limit: Number.POSITIVE_INFINITY }],
    [{ ...validFilter, filter: { event: 'E'.repeat(101) } }],
    [{ ...validFilter, filter: { event: '<script>' } }],
    [{ ...validFilter, filter: { portal: 'p'.repeat(254) } }],
    [{ ...validFilter, filter: { portal: HUGE } }],
    [{ ...validFilter, filter: { from: -1 } }],
    [{ ...validFilter, filter: { itemId: 2 ** 53 } }],
    [{ ...validFilter, filter: { entityTypeId: 0 } }],
    [{ ...validFilter, filter: protoKey() }],
    [validFilter, 'second argument'],
  ],
  updateSettings: [
    [],
    [null],
    [{ eventPort: -1 }],
    [{ eventPort: 65_536 }],
    [{ eventPort: '80' }],
    [{ eventPort: 1.5 }],
    [{ tunnel: { host: 'javascript:alert(1)' } }],
    [{ tunnel: { host: 'file:///etc/passwd' } }],
    [{ tunnel: { host: `https://${HUGE}.example` } }],
    [{ tunnel: { subdomain: 'UPPER-CASE' } }],
    [{ tunnel: { subdomain: 's'.repeat(64) } }],
    [{ tunnel: { enabled: 'yes' } }],
    [{ tunnel: { enabled: true, extra: 1 } }],
    [{ retentionDays: 0 }],
    [{ retentionDays: 36_501 }],
    [{ retentionDays: '30' }],
    [{ notifications: 'true' }],
    [{ language: 'fr' }],
    [{ autoStart: 1 }],
    [{ tokens: [] }],
    [{ dataDir: '/etc' }],
    [protoKey({ notifications: false })],
    [{ constructor: { prototype: { polluted: true } } }],
    [{ notifications: false }, { notifications: true }],
  ],
  addToken: [
    [],
    [{ token: 'short', portal: null, label: '' }],
    [{ token: 't'.repeat(257), portal: null, label: '' }],
    [{ token: HUGE, portal: null, label: '' }],
    [{ token: 'has a space inside', portal: null, label: '' }],
    [{ token: 'токен-токен-токен', portal: null, label: '' }],
    [{ token: 'ok-token\u0000-123', portal: null, label: '' }],
    [{ token: 12_345_678, portal: null, label: '' }],
    [{ token: 'ok-token-123', portal: 'Not A Domain!', label: '' }],
    [{ token: 'ok-token-123', portal: 'p'.repeat(300), label: '' }],
    [{ token: 'ok-token-123', portal: null, label: 'x'.repeat(201) }],
    [{ token: 'ok-token-123', portal: null, label: HUGE }],
    [{ token: 'ok-token-123', label: '' }],
    [{ token: 'ok-token-123', portal: null, label: '', hash: 'f'.repeat(64) }],
    [protoKey({ token: 'ok-token-123', portal: null, label: '' })],
  ],
  removeToken: [[], [{ fingerprint: 'ABCDEF12' }], [{ fingerprint: 'abc' }], [{ fingerprint: 'abcdef123' }], [{ fingerprint: 12_345_678 }], [{ fingerprint: 'abcdef12', all: true }], [{ fingerprint: '../../..' }], [{ fingerprint: HUGE }]],
  trustQuarantined: [[], [{ id: 'not-a-uuid', label: '' }], [{ id: UUID, label: 'x'.repeat(201) }], [{ id: UUID }], [{ id: 5, label: '' }], [{ id: UUID, label: '', portal: 'evil' }], [{ id: HUGE, label: '' }]],
  exportCsv: [
    [{ filter: {}, path: '/tmp/planted.csv' }],
    [{ filter: {}, path: HUGE }],
    [],
    [{}],
    [{ filter: { bad: 1 } }],
    [{ filter: 'all' }],
    [{ filter: {} }, 'second argument'],
    [protoKey({ filter: {} })],
  ],
  setTunnelPaused: [[], [{ paused: 'true' }], [{ paused: 1 }], [{ paused: true, forever: true }], [true], [{ paused: null }]],
};

async function setup(): Promise<{ win: FakeBrowserWindow; spies: Record<CallName, MockInstance>; chooser: ReturnType<typeof vi.fn> }> {
  const { core } = await startCore();
  const spies = {} as Record<CallName, MockInstance>;
  for (const name of CALL_NAMES) spies[name] = vi.spyOn(core, name).mockImplementation(async () => null as never);
  const win = new FakeBrowserWindow({});
  await win.loadFile(RENDERER_INDEX);
  const chooser = vi.fn(async () => '/tmp/chosen.csv');
  dispose = setupIpc({ core, windows: () => [win as never], rendererUrl: RENDERER_URL, chooseExportPath: chooser });
  return { win, spies, chooser };
}

const invoke = (win: FakeBrowserWindow, name: CallName, args: unknown[]): Promise<IpcResult> =>
  ipcMain.invokeAs({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, callChannel(name), ...args) as Promise<IpcResult>;

describe('IPC abuse: bad arguments for every call', () => {
  it('covers every call name', () => {
    expect(Object.keys(BAD).sort()).toEqual([...CALL_NAMES].sort());
  });

  for (const name of CALL_NAMES) {
    it(`${name}: ${BAD[name].length} bad argument lists → BAD_ARGUMENTS, the core never runs`, async () => {
      const { win, spies, chooser } = await setup();
      for (const args of BAD[name]) {
        const answer = await invoke(win, name, args);
        expect(answer, `${name}(${JSON.stringify(args).slice(0, 80)})`).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
        if (!answer.ok) expect(answer.error.message.length, 'error message size').toBeLessThan(500);
      }
      for (const n of CALL_NAMES) expect(spies[n], `${n} reached by bad ${name} arguments`).not.toHaveBeenCalled();
      expect(chooser).not.toHaveBeenCalled();
      expect(Object.prototype).not.toHaveProperty('polluted');
    });
  }

  it('fuzzed arguments for every call: the core runs only with arguments its schema accepts', async () => {
    const { win, spies, chooser } = await setup();
    const schema = (name: CallName) => (name === 'exportCsv' ? ipcExportArgsSchema : callArgSchemas[name]);
    let refused = 0;
    let passed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CALL_NAMES),
        fc.array(fc.oneof(fc.anything({ maxDepth: 3 }), fc.record({ filter: fc.constant({}), offset: fc.integer(), limit: fc.integer(), paused: fc.anything(), fingerprint: fc.string() }, { requiredKeys: [] })), { maxLength: 3 }),
        async (name, args) => {
          const cloned = args.map((a) => structuredClone(a));
          const valid = schema(name).safeParse(cloned).success;
          const before = spies[name].mock.calls.length + chooser.mock.calls.length;
          const answer = await invoke(win, name, args);
          const reached = spies[name].mock.calls.length + chooser.mock.calls.length > before;
          if (valid) {
            passed++;
            expect(reached, `${name} valid but not reached`).toBe(true);
          } else {
            refused++;
            expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
            expect(reached, `${name} reached with ${JSON.stringify(cloned).slice(0, 100)}`).toBe(false);
          }
        },
      ),
      { numRuns: 3000 },
    );
    console.log(`ipc abuse: ${refused} fuzzed argument lists refused as BAD_ARGUMENTS, ${passed} valid ones passed through`);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('still lets valid calls through (the spies see them)', async () => {
    const { win, spies } = await setup();
    expect(await invoke(win, 'getStatus', [])).toEqual({ ok: true, result: null });
    expect(await invoke(win, 'queryDeletions', [validFilter])).toEqual({ ok: true, result: null });
    expect(spies.getStatus).toHaveBeenCalledTimes(1);
    expect(spies.queryDeletions).toHaveBeenCalledWith({ filter: {}, offset: 0, limit: 10 });
  });
});
