// A tiny typed event hub: services publish AppEvents; Electron forwards them over IPC, web mode over SSE.
import type { AppEvent } from '../../shared/contract.js';

/**
 * Publish/subscribe for {@link AppEvent}s. A listener that throws is dropped from nothing and breaks nothing.
 *
 * @example
 * ```ts
 * const hub = new EventHub();
 * const off = hub.subscribe((e) => console.log(e.type));
 * hub.emit({ type: 'log', level: 'info', message: 'hello' });
 * off();
 * ```
 */
export class EventHub {
  private readonly listeners = new Set<(event: AppEvent) => void>();

  subscribe(listener: (event: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: AppEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (error) {
        console.error('vlp-desktop: event listener failed', error);
      }
    }
  }
}
