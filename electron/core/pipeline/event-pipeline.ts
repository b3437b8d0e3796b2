/**
 * One event, from body bytes to an answer: parse → verify token → redact → record. Knows nothing of
 * HTTP beyond the status codes it chooses (DESIGN.md, "Event listener answers").
 */
import { BodyError, decodeUtf8, parseFormBody, parseJsonBody, type ParsedObject } from '../events/parse-body.js';
import { parseCommonForm } from '../events/common-form.js';
import { PayloadError, lowerCaseDomain, readDeletion, readEnvelope } from '../events/payload.js';
import { buildRecord, type UnsequencedRecord } from '../events/deletion-record.js';
import { fingerprintOfHash, type TokenRegistry } from '../tokens/token-registry.js';
import { StoreUnavailableError, type AddResult, type DeletionStore } from '../store/deletion-store.js';
import type { QuarantineStore } from '../store/quarantine-store.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';

export type BodyFormat = 'form' | 'json';

export interface PipelineAnswer {
  status: 200 | 400 | 401 | 503;
  body: { ok: true; stored: boolean; duplicate?: boolean; ignored?: boolean } | { error: string };
}

export interface PipelineCounters {
  stored: number;
  duplicates: number;
  ignored: number;
  rejected: number;
  malformed: number;
}

/**
 * Events handled beside the log (application mode: install, uninstall, offline-queue signal). It answers
 * at once: any REST work it starts runs after the answer. The pipeline knows nothing more of it.
 */
export interface AppEventHandler {
  handles(upperEvent: string): boolean;
  /** The answer; null hands the event back to the pipeline (not one of the handler's after all). */
  handle(upperEvent: string, body: ParsedObject): PipelineAnswer | null;
}

export interface PipelineDeps {
  store: DeletionStore;
  tokens: TokenRegistry;
  quarantine: QuarantineStore;
  log?: Logger;
  now?: () => number;
  /** Called after a refused request entered the quarantine. */
  onQuarantined?: () => void;
  /** Application-mode events, checked by their handler (their tokens are not in `tokens` yet at install). */
  appEvents?: AppEventHandler;
}

const bad = (error: string): PipelineAnswer => ({ status: 400, body: { error } });

/** The two answers almost every event gets: shared objects, so the listener can send them pre-serialised. */
export const STORED_ANSWER: PipelineAnswer = Object.freeze({ status: 200, body: Object.freeze({ ok: true, stored: true }) });
export const DUPLICATE_ANSWER: PipelineAnswer = Object.freeze({ status: 200, body: Object.freeze({ ok: true, stored: false, duplicate: true }) });

/** Lower-cased `auth[domain]` if it is a string (used only to pick the token's portal). */
function claimedPortal(body: ParsedObject): string | null {
  const auth = body['auth'];
  const domain = typeof auth === 'object' ? auth['domain'] : undefined;
  return typeof domain === 'string' ? lowerCaseDomain(domain) : null;
}

export class EventPipeline {
  readonly counters: PipelineCounters = { stored: 0, duplicates: 0, ignored: 0, rejected: 0, malformed: 0 };
  private readonly log: Logger;
  private readonly now: () => number;
  private loggedRefusals = 0;
  private refusalWindow = 0;

  constructor(private readonly deps: PipelineDeps) {
    this.log = deps.log ?? silentLogger;
    this.now = deps.now ?? Date.now;
  }

  /**
   * Handles one request body; never throws. `sender` (e.g. the connection) is passed on to the store's
   * group commit. Not an async function: the answer is decided synchronously and only storing waits,
   * so an event costs one promise of the store's and one derived from it, not a chain of them.
   */
  handle(raw: Buffer, format: BodyFormat, sender?: object): Promise<PipelineAnswer> {
    let decided: PipelineAnswer | UnsequencedRecord;
    try {
      decided = this.decide(raw, format);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return 'status' in decided ? Promise.resolve(decided) : this.store(decided, sender);
  }

  /** The answer to a body, or the record to store. */
  private decide(raw: Buffer, format: BodyFormat): PipelineAnswer | UnsequencedRecord {
    const receivedAt = this.now();
    let body: ParsedObject;
    let envelope: ReturnType<typeof readEnvelope>;
    try {
      if (raw.length === 0) throw new BodyError('empty body');
      const text = decodeUtf8(raw);
      body = format === 'form' ? (parseCommonForm(text) ?? parseFormBody(text)) : parseJsonBody(text);
      envelope = readEnvelope(body);
    } catch (error) {
      this.counters.malformed++;
      if (error instanceof BodyError || error instanceof PayloadError) return bad(error.message);
      this.log.error(`unexpected parse failure: ${describeError(error)}`);
      return bad('unreadable body');
    }

    const appEvents = this.deps.appEvents;
    if (appEvents?.handles(envelope.event)) {
      const answer = appEvents.handle(envelope.event, body);
      if (answer !== null) return answer;
    }

    const portal = claimedPortal(body);
    const verdict = this.deps.tokens.verify(envelope.applicationToken, portal);
    if (!verdict.ok) {
      this.counters.rejected++;
      let record: UnsequencedRecord | null = null;
      if (envelope.kind.kind !== 'other' && verdict.hash !== null) {
        try {
          record = buildRecord(envelope.event, envelope.handlerId, readDeletion(body, envelope.kind), fingerprintOfHash(verdict.hash), receivedAt);
        } catch {
          record = null; // malformed and untrusted: kept only as a refused request
        }
      }
      this.deps.quarantine.add(verdict.hash, envelope.event, portal, record, receivedAt);
      this.deps.onQuarantined?.();
      const message =
        verdict.reason === 'missing'
          ? 'auth[application_token] is missing'
          : verdict.reason === 'wrong-portal'
            ? `application token is not accepted for portal ${portal ?? '(none)'}`
            : 'unknown application token';
      this.logRefusal(`${message}: ${envelope.event} from ${portal ?? 'unknown portal'}${verdict.hash ? ` (token ${fingerprintOfHash(verdict.hash)})` : ''}`);
      return { status: 401, body: { error: message } };
    }

    if (envelope.kind.kind === 'other') {
      this.counters.ignored++;
      return { status: 200, body: { ok: true, stored: false, ignored: true } };
    }

    try {
      return buildRecord(envelope.event, envelope.handlerId, readDeletion(body, envelope.kind), fingerprintOfHash(verdict.hash), receivedAt);
    } catch (error) {
      this.counters.malformed++;
      return bad(error instanceof PayloadError ? error.message : 'unreadable deletion');
    }
  }

  /** Puts an already verified record into the log (also used when a quarantined token is trusted). */
  store(record: UnsequencedRecord, sender?: object): Promise<PipelineAnswer> {
    let added: Promise<AddResult>;
    try {
      added = this.deps.store.add(record, sender);
    } catch (error) {
      added = Promise.reject(error as Error);
    }
    return added.then(this.onStored, this.onStoreFailed);
  }

  private readonly onStored = (result: AddResult): PipelineAnswer => {
    if (result.stored) this.counters.stored++;
    else this.counters.duplicates++;
    return result.stored ? STORED_ANSWER : DUPLICATE_ANSWER;
  };

  private readonly onStoreFailed = (error: unknown): PipelineAnswer => {
    if (error instanceof StoreUnavailableError) return { status: 503, body: { error: error.message } };
    this.log.error(`store failed: ${describeError(error)}`);
    return { status: 503, body: { error: 'store unavailable' } };
  };

  /** At most 20 refusal lines a minute: a flood of forged requests must not flood the log. */
  private logRefusal(line: string): void {
    const minute = Math.floor(this.now() / 60_000);
    if (minute !== this.refusalWindow) {
      if (this.loggedRefusals > 20) this.log.warn(`${this.loggedRefusals - 20} more refused request(s) not logged`);
      this.refusalWindow = minute;
      this.loggedRefusals = 0;
    }
    if (++this.loggedRefusals <= 20) this.log.warn(`refused: ${line}`);
  }
}
