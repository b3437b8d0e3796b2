/**
 * parseCommonForm() is a shortcut for the bodies portals send; parseFormBody() is the definition. Over
 * fixtures, generated events in every encoding style and hostile bodies, whatever the shortcut returns
 * must be what the general parser returns, and every event written the way PHP writes it must take the
 * shortcut (or it saves nothing). FUZZ_SEED replays a run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommonForm } from '../../../../electron/core/events/common-form.js';
import { BodyError, parseFormBody, type ParsedObject } from '../../../../electron/core/events/parse-body.js';
import { flatten, formStyle, hostileFormText, mutatedForm, percentEdge, toForm, validEvent } from '../fuzz/arbitraries.js';
import { fixture, fixtureNames } from '../../../helpers/fixtures.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const stats = { bodies: 0, shortcut: 0 };
const PORTAL_NAMES = new Set([
  'event', 'event_handler_id', 'ts', 'data[FIELDS][ID]', 'data[FIELDS][ENTITY_TYPE_ID]',
  ...['access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status', 'client_endpoint', 'member_id', 'user_id', 'refresh_token', 'application_token'].map((n) => `auth[${n}]`),
]);

/** The general parser's verdict on a body: its tree, or the refusal. */
function general(text: string): ParsedObject | { refused: string } {
  try {
    return parseFormBody(text);
  } catch (error) {
    if (error instanceof BodyError) return { refused: error.message };
    throw error;
  }
}

/** The shortcut either declines or returns exactly the general parser's tree. */
function agree(text: string): ParsedObject | null {
  stats.bodies++;
  const quick = parseCommonForm(text);
  if (quick !== null) {
    stats.shortcut++;
    expect(general(text)).toEqual(quick);
    // Nothing inherited: a missing field reads as undefined whatever its name.
    expect(quick['constructor']).toBeUndefined();
    expect(quick['__proto__']).toBeUndefined();
  }
  return quick;
}

describe('parseCommonForm', () => {
  it('reads every form fixture, the same as the general parser', () => {
    for (const name of fixtureNames('form')) {
      expect(agree(fixture(name)), name).not.toBeNull();
    }
  });

  it('takes every PHP-encoded event, agrees on every other encoding and on hostile bodies', () => {
    console.log(`common form: seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    fc.assert(
      fc.property(validEvent(['t'.repeat(32)], { json: false }), formStyle, (event, style) => {
        const quick = agree(toForm(event.tree, style));
        // Names a portal sends, written as PHP writes them: the shortcut must take it.
        if (style === 'php' && flatten(event.tree).every(([name]) => PORTAL_NAMES.has(name))) expect(quick).not.toBeNull();
      }),
      { seed: SEED, numRuns: 3000 },
    );
    const base = fixture('dynamic-item-delete-no-user.form').trim();
    const parts = base.split('&');
    fc.assert(
      fc.property(
        fc.oneof(
          mutatedForm,
          hostileFormText,
          // A real body with one value replaced, one part repeated, dropped or emptied, or junk added.
          fc.tuple(fc.nat(parts.length - 1), fc.oneof(percentEdge, fc.string({ maxLength: 8 }), fc.constantFrom('', '=', '&', '+', '%', '%2', '%ZZ', '%C3', '%C3%A9'))).map(
            ([i, value]) => parts.map((p, j) => (j === i ? `${p.split('=')[0]}=${value}` : p)).join('&'),
          ),
          fc.tuple(fc.nat(parts.length - 1), fc.constantFrom('repeat', 'drop', 'empty', 'bare', 'trailing')).map(([i, how]) =>
            how === 'repeat' ? [...parts, parts[i]].join('&')
            : how === 'drop' ? parts.filter((_, j) => j !== i).join('&')
            : how === 'empty' ? [...parts.slice(0, i), '', ...parts.slice(i)].join('&')
            : how === 'bare' ? parts.map((p, j) => (j === i ? p.split('=')[0] : p)).join('&')
            : base + '&',
          ),
        ),
        (text) => void agree(text),
      ),
      { seed: SEED, numRuns: 6000 },
    );
    console.log(`common form: ${stats.bodies} bodies, ${stats.shortcut} taken by the shortcut (each equal to the general parser's)`);
  });
});
