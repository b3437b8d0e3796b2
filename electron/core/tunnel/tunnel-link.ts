/**
 * The core's handle on the public URL: turns the tunnel settings (on/off, host, subdomain, paused)
 * into a running TunnelSupervisor, or none, and relays its states.
 */
import type { TunnelState } from '../contract.js';
import type { Logger } from '../util/logger.js';
import { TunnelSupervisor, type TunnelSupervisorOptions } from './tunnel-supervisor.js';

/** Timings and the probe's GET, adjustable for tests; production uses the supervisor's defaults. */
export type TunnelTuning = Partial<Omit<TunnelSupervisorOptions, 'host' | 'subdomain' | 'localPort' | 'onState' | 'log'>>;

export interface TunnelLinkOptions {
  localPort: number;
  log: Logger;
  onState: (state: TunnelState) => void;
  tuning?: TunnelTuning;
}

export interface TunnelConfig {
  enabled: boolean;
  host: string;
  subdomain: string;
}

export class TunnelLink {
  private supervisor: TunnelSupervisor | null = null;
  private localPort: number;
  private offState: TunnelState = { status: 'off' };

  constructor(private readonly options: TunnelLinkOptions) {
    this.localPort = options.localPort;
  }

  get state(): TunnelState {
    return this.supervisor?.state ?? this.offState;
  }

  /** Starts, reconfigures or stops the tunnel to match `config`. */
  configure(config: TunnelConfig): void {
    if (!config.enabled) {
      if (this.supervisor) void this.stop().then(() => this.options.onState(this.state));
      return;
    }
    if (this.supervisor) {
      this.supervisor.update({ host: config.host, subdomain: config.subdomain });
      return;
    }
    const { log } = this.options;
    this.supervisor = new TunnelSupervisor({
      localPort: this.localPort,
      host: config.host,
      subdomain: config.subdomain,
      ...this.options.tuning,
      log: (level, message) => log[level](`tunnel: ${message}`),
      onState: (state) => this.options.onState(state),
    });
    this.supervisor.start();
  }

  /** Points the tunnel at a new local port (the listener moved). */
  update(change: { localPort: number }): void {
    this.localPort = change.localPort;
    this.supervisor?.update({ localPort: change.localPort });
  }

  async stop(): Promise<void> {
    const supervisor = this.supervisor;
    this.supervisor = null;
    await supervisor?.stop();
  }
}
