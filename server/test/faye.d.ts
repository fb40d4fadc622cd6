// Just enough typing of Faye's Node client for the interop tests (faye ships no .d.ts).

declare module 'faye' {
  /** A Faye message as its extensions see it. */
  export interface FayeMessage {
    channel: string
    clientId?: string
    data?: unknown
    successful?: boolean
    error?: string
    ext?: Record<string, unknown>
    [field: string]: unknown
  }
  /** A Faye client-side extension (callback style). */
  export interface FayeExtension {
    incoming?(message: FayeMessage, callback: (message: FayeMessage) => void): void
    outgoing?(message: FayeMessage, callback: (message: FayeMessage) => void): void
  }
  /** The thenable returned by subscribe(). */
  export interface Subscription extends PromiseLike<void> {
    cancel(): void
  }
  /** Faye's client. */
  export class Client {
    constructor(endpoint: string, options?: { timeout?: number; retry?: number })
    subscribe(channel: string, callback: (data: unknown) => void): Subscription
    publish(channel: string, data: unknown): PromiseLike<void>
    disconnect(): void
    disable(feature: string): void
    addExtension(extension: FayeExtension): void
    on(event: 'transport:up' | 'transport:down', callback: () => void): void
    connect(callback?: () => void): void
  }
  const Faye: { Client: typeof Client }
  export default Faye
}
