/** A minimal typed event emitter whose `on` returns its unsubscribe function. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  protected emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      // A failing listener (a closed window, say) must not stop the others or the store.
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch {
        /* listeners report their own errors */
      }
    }
  }
}
