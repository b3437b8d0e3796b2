/**
 * OAuth for a connected portal: the token endpoint of its OAuth server (refresh and authorization
 * code), and a `TokenKeeper` that refreshes single-flight. A refresh token works once, so two refreshes
 * at the same time burn the portal's connection: every caller that meets `expired_token` waits for the
 * one refresh in flight, and the new pair is stored durably before any caller gets it.
 */
import { httpCall, RemoteError, type HttpCall } from './http-call.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ms). */
  expiresAt: number;
}

/** A token answer: the pair and what it says about the portal. */
export interface OAuthAnswer extends TokenPair {
  memberId: string | null;
  clientEndpoint: string | null;
  serverEndpoint: string | null;
  scope: string | null;
  userId: number | null;
}

/** The refresh token is dead (`invalid_grant`) or the app's credentials are (`invalid_client`): only a new authorization helps. */
export class ReconnectNeededError extends Error {
  override readonly name = 'ReconnectNeededError';
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

function readAnswer(answer: Record<string, unknown>): OAuthAnswer {
  const accessToken = str(answer['access_token']);
  const refreshToken = str(answer['refresh_token']);
  if (!accessToken || !refreshToken || accessToken.length > 512 || refreshToken.length > 512) throw new RemoteError(200, 'BAD_TOKEN_ANSWER', 'no token pair in the answer');
  const expires = Number(answer['expires']);
  const expiresIn = Number(answer['expires_in'] ?? 3600);
  const userId = Number(answer['user_id']);
  return {
    accessToken,
    refreshToken,
    expiresAt: Number.isFinite(expires) && expires > 0 ? expires * 1000 : Date.now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000,
    memberId: str(answer['member_id']),
    clientEndpoint: str(answer['client_endpoint']),
    serverEndpoint: str(answer['server_endpoint']),
    scope: str(answer['scope']),
    userId: Number.isSafeInteger(userId) && userId > 0 ? userId : null,
  };
}

export interface OAuthClientOptions {
  /** `https://oauth.bitrix.info/` (from endpoints.ts, never from a request). */
  oauthBase: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  http?: HttpCall;
}

/** The token endpoint of one OAuth server for one application. */
export class OAuthClient {
  constructor(private readonly options: OAuthClientOptions) {}

  refresh(refreshToken: string): Promise<OAuthAnswer> {
    return this.grant({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  exchangeCode(code: string): Promise<OAuthAnswer> {
    return this.grant({ grant_type: 'authorization_code', code });
  }

  private async grant(fields: Record<string, string>): Promise<OAuthAnswer> {
    const http = this.options.http ?? httpCall;
    try {
      const answer = await http(
        `${this.options.oauthBase}oauth/token/`,
        { form: { ...fields, client_id: this.options.clientId, client_secret: this.options.clientSecret } },
        { timeoutMs: this.options.timeoutMs ?? 15_000 },
      );
      return readAnswer(answer);
    } catch (error) {
      if (error instanceof RemoteError && (error.code === 'invalid_grant' || error.code === 'invalid_client')) {
        throw new ReconnectNeededError(`the portal's OAuth server answered ${error.code}`);
      }
      throw error;
    }
  }
}

export interface TokenKeeperDeps {
  pair: TokenPair;
  oauth: Pick<OAuthClient, 'refresh'>;
  /** Stores a new pair durably; the keeper hands it out only after this resolves. */
  persist(answer: OAuthAnswer): Promise<void>;
  /** Called once when the refresh token is dead. */
  onReconnectNeeded(reason: string): void;
}

/** Holds a portal's current pair and refreshes it single-flight. */
export class TokenKeeper {
  private pair: TokenPair;
  private inflight: Promise<string> | null = null;
  /** A pair the OAuth server gave whose durable write failed: the old refresh token is already spent. */
  private unsaved: OAuthAnswer | null = null;
  private dead: string | null = null;
  /** Refreshes that reached the OAuth server. */
  refreshes = 0;

  constructor(private readonly deps: TokenKeeperDeps) {
    this.pair = { ...deps.pair };
  }

  get accessToken(): string {
    return this.pair.accessToken;
  }

  /**
   * A fresh access token after `stale` was refused as expired. Callers holding an older token than the
   * current one get the current one; everyone else shares the one refresh in flight.
   */
  renew(stale: string): Promise<string> {
    if (this.dead) return Promise.reject(new ReconnectNeededError(this.dead));
    if (stale !== this.pair.accessToken) return Promise.resolve(this.pair.accessToken);
    this.inflight ??= this.refreshOnce().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async refreshOnce(): Promise<string> {
    let answer = this.unsaved;
    if (!answer) {
      try {
        this.refreshes++;
        answer = await this.deps.oauth.refresh(this.pair.refreshToken);
      } catch (error) {
        if (error instanceof ReconnectNeededError) {
          this.dead = error.message;
          this.deps.onReconnectNeeded(error.message);
        }
        throw error;
      }
      this.unsaved = answer;
    }
    await this.deps.persist(answer);
    this.unsaved = null;
    this.pair = { accessToken: answer.accessToken, refreshToken: answer.refreshToken, expiresAt: answer.expiresAt };
    return this.pair.accessToken;
  }
}
