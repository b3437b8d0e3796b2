/**
 * Schemas for every argument the UI sends to the core. Both transports (IPC and the dashboard) run
 * `parseCallArgs` before a call reaches the core, so a handler only ever sees well-formed input.
 */
import { z } from 'zod';
import { CALL_NAMES, type CallArgs, type CallName, type CoreErrorShape } from './contract.js';

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const time = z.number().int().min(0).max(8_640_000_000_000_000);

export const filterSchema = z
  .object({
    event: z.string().regex(/^[A-Za-z0-9_]{1,100}$/).transform((v) => v.toUpperCase()).optional(),
    entityTypeId: id.optional(),
    portal: z.string().min(1).max(253).transform((v) => v.toLowerCase()).optional(),
    itemId: id.optional(),
    from: time.optional(),
    to: time.optional(),
    includeTests: z.boolean().optional(),
  })
  .strict();

const tokenText = z.string().trim().min(8, 'token is too short').max(256).regex(/^[\x21-\x7e]+$/, 'token has characters Bitrix24 never uses');
const portal = z.string().trim().toLowerCase().regex(/^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/, 'must be a domain like example.bitrix24.com');

/** Where a mass-deletion alert is posted: https, or http on this computer (a local chat bot). */
/** One portal's own mass-deletion rule (Settings → alerts → per portal). */
export const alertRuleSchema = z
  .object({
    enabled: z.boolean(),
    threshold: z.number().int().min(2).max(100_000),
    windowMinutes: z.number().int().min(1).max(1440),
  })
  .strict();

/** Per-portal rules, keyed by lower-case domain; at most 500 portals. */
export const perPortalRulesSchema = z
  .record(z.string(), alertRuleSchema)
  .refine((rules) => Object.keys(rules).length <= 500, 'at most 500 portals')
  .transform((rules, ctx) => {
    const out: Record<string, z.infer<typeof alertRuleSchema>> = {};
    for (const [key, rule] of Object.entries(rules)) {
      const domain = key.trim().toLowerCase();
      if (!/^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/.test(domain)) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(key.slice(0, 80))} must be a domain like example.bitrix24.com` });
        return z.NEVER;
      }
      out[domain] = rule;
    }
    return out;
  });

/** The CSV's language (header, yes/no, our type names). */
export const csvLanguageSchema = z.enum(['en', 'ru']);

export const alertWebhookUrl = z
  .string()
  .max(2048, 'is too long')
  .url()
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false; // (url() has said so already)
    }
    if (url.username || url.password) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  }, 'must be an https URL (or http on this computer)');

const none = z.tuple([]);

/** True for an IANA time zone name this runtime knows (`Europe/Moscow`, `UTC`). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Argument tuples per call. */
export const callArgSchemas = {
  getStatus: none,
  queryDeletions: z.tuple([
    z.object({ filter: filterSchema, offset: z.number().int().min(0).max(1e9), limit: z.number().int().min(0).max(1000) }).strict(),
  ]),
  listFacets: none,
  getActivity: z.tuple([
    z
      .object({
        filter: filterSchema,
        timeZone: z
          .string()
          .regex(/^[A-Za-z0-9_+\-/]{1,64}$/)
          .refine(isTimeZone, 'is not a time zone')
          .optional(),
      })
      .strict(),
  ]),
  getSettings: none,
  updateSettings: z.tuple([
    z
      .object({
        eventPort: z.number().int().min(0).max(65535).optional(),
        tunnel: z
          .object({
            enabled: z.boolean().optional(),
            host: z.string().max(2048, 'is too long').url().regex(/^https?:\/\//, 'must be an http(s) URL').optional(),
            subdomain: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{2,61}[a-z0-9])$/, '4-63 lower-case letters, digits, hyphens').optional(),
          })
          .strict()
          .optional(),
        retentionDays: z.number().int().min(1).max(36500).nullable().optional(),
        notifications: z.boolean().optional(),
        language: z.enum(['system', 'en', 'ru']).optional(),
        autoStart: z.boolean().optional(),
        alerts: z
          .object({
            enabled: z.boolean().optional(),
            threshold: z.number().int().min(2).max(100_000).optional(),
            windowMinutes: z.number().int().min(1).max(1440).optional(),
            webhookUrl: alertWebhookUrl.nullable().optional(),
            /** Replaces the whole map; `{}` removes every portal's own rule. */
            perPortal: perPortalRulesSchema.optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
  ]),
  addToken: z.tuple([z.object({ token: tokenText, portal: portal.nullable(), label: z.string().max(200) }).strict()]),
  removeToken: z.tuple([z.object({ fingerprint: z.string().regex(/^[0-9a-f]{8}$/) }).strict()]),
  listQuarantine: none,
  trustQuarantined: z.tuple([z.object({ id: z.string().uuid(), label: z.string().max(200) }).strict()]),
  clearQuarantine: none,
  sendTestEvent: none,
  exportCsv: z.tuple([z.object({ filter: filterSchema, path: z.string().min(1).max(4096), language: csvLanguageSchema.optional() }).strict()]),
  listPortalApps: none,
  connectPortalApp: z.tuple([
    z
      .object({
        domain: z.string().trim().min(1).max(260),
        clientId: z.string().trim().regex(/^[\x21-\x7e]{1,200}$/, 'must be the client_id Bitrix24 shows (local.…)'),
        clientSecret: z.string().trim().regex(/^[\x21-\x7e]{1,200}$/, 'must be the client_secret Bitrix24 shows'),
      })
      .strict(),
  ]),
  authorizePortalApp: z.tuple([z.object({ domain: z.string().trim().min(1).max(260) }).strict()]),
  completePortalAppAuthorization: z.tuple([
    z.object({ domain: z.string().trim().min(1).max(260), redirected: z.string().trim().min(1).max(4096) }).strict(),
  ]),
  setTunnelPaused: z.tuple([z.object({ paused: z.boolean() }).strict()]),
  markSeen: none,
} satisfies Record<CallName, z.ZodType>;

/** Thrown for arguments that fail their schema; carried to the UI as `{ code: 'BAD_ARGUMENTS' }`. */
export class CallError extends Error implements CoreErrorShape {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);
}

/** Validates a call's arguments, returning them typed (and normalised), or throws CallError. */
export function parseCallArgs<N extends CallName>(name: N, args: unknown): CallArgs<N> {
  const result = callArgSchemas[name].safeParse(args);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new CallError('BAD_ARGUMENTS', `${name}: ${issue.path.join('.') || 'arguments'} ${issue.message}`);
  }
  return result.data as CallArgs<N>;
}

/** The error shape both transports send back for any failure. */
export function toErrorShape(error: unknown): CoreErrorShape {
  if (error instanceof CallError) return { code: error.code, message: error.message };
  return { code: 'FAILED', message: error instanceof Error ? error.message : String(error) };
}
