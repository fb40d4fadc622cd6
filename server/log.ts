// Structured JSON logs, one object per line on stderr. Quiet under test unless LOG is set.
// Never pass secrets (tokens, cookies) as fields.

/** Log levels, lowest first. */
export const levels = ['debug', 'info', 'warn', 'error', 'silent'] as const
/** A log level name. */
export type LogLevel = (typeof levels)[number]

function initialLevel(): LogLevel {
  const fromEnv = process.env.LOG as LogLevel | undefined
  if (fromEnv && levels.includes(fromEnv)) return fromEnv
  return process.env.NODE_TEST_CONTEXT ? 'silent' : 'info'
}

let threshold: LogLevel = initialLevel()

/** Changes the minimum level written from now on. */
export function setLogLevel(level: LogLevel): void {
  threshold = level
}

function write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  if (levels.indexOf(level) < levels.indexOf(threshold)) return
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })
  process.stderr.write(line + '\n')
}

/** The logger: `log.info('listening', {url})`. Fields are merged into the JSON line. */
export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
}

/** Logs an exception thrown by a callback, with context, instead of letting it escape. */
export function logException(
  context: string,
  err: unknown,
  fields?: Record<string, unknown>,
): void {
  const e = err instanceof Error ? { error: err.message, stack: err.stack } : { error: String(err) }
  log.error(context, { ...fields, ...e })
}
