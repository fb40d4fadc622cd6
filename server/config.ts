// Every tunable of Tandem in one defaults object: meaning and unit in each name and comment.
// Only server/main.ts reads env/argv; it overrides these defaults. Sections belong to modules.

/** Tandem's configuration. Each section is owned by the module named in its comment. */
export interface Config {
  /** HTTP listener (server/main.ts, server/app.ts). */
  http: {
    /** TCP port; 0 picks a free one. */
    port: number
    /** Host/interface to bind. */
    host: string
  }
  /** SQLite store (server/store). */
  store: {
    /** Path of the SQLite file, or ':memory:'. */
    dbPath: string
  }
}

/** The defaults used when nothing overrides them. */
export const defaultConfig: Config = {
  http: { port: 8080, host: '0.0.0.0' },
  store: { dbPath: './data/tandem.db' },
}
