// Playwright fixtures: a real Tandem server (`server/main.ts` as a child process) on port 0 with
// a temporary SQLite file, one per worker; the CLI on the same file; editor page helpers.

import { test as base, expect, type Browser, type Page } from '@playwright/test'
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const rootDir = resolve(fileURLToPath(new URL('..', import.meta.url)))
// `node --import tsx` runs TypeScript in ONE process (the tsx CLI would fork a child that a
// SIGKILL of the parent leaves running on the port).
const tsxImport = ['--import', 'tsx']
const startTimeoutMs = 30_000

/** A Tandem server process the tests drive. */
export interface TandemServer {
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly port: number
  readonly dbPath: string
  /** Run the admin CLI (`server/cli.ts`) on this server's database; resolves with stdout. */
  cli(...args: string[]): Promise<string>
  /** `/admin<path>` with the admin token (POST `body` as JSON, GET without); the JSON reply. */
  admin(path: string, body?: unknown): Promise<unknown>
  /** Kill the process (SIGKILL: no goodbye) and start it again on the same port and file. */
  restart(): Promise<void>
  /** Stop the process and delete its files. */
  stop(): Promise<void>
}

/** The `/admin` token of every e2e server (README "Administration"). */
export const adminToken = 'e2e-admin-token-0123456789'

function startProcess(
  port: number,
  dbPath: string,
  extraEnv: Readonly<Record<string, string>>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...tsxImport, 'server/main.ts'], {
    cwd: rootDir,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TANDEM_DB: dbPath,
      TANDEM_ADMIN_TOKEN: adminToken,
      // Ended documents (e2e/ended.spec.ts) can be reopened soon after.
      TANDEM_ENDED_DOCUMENT_MS: '1500',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`Tandem did not start within ${startTimeoutMs} ms:\n${output}`))
    }, startTimeoutMs)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /listening on http:\/\/[^:\s]+:(\d+)/i.exec(output)
      if (!match) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stdout?.resume()
      child.stderr?.resume()
      resolvePort({ child, port: Number(match[1]) })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Tandem exited with ${code} before listening:\n${output}`))
    })
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => child.once('exit', () => done()))
}

/** Start `server/main.ts` on a free port with a fresh temporary database (and `env` added). */
export async function startTandem(
  env: Readonly<Record<string, string>> = {},
): Promise<TandemServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-e2e-'))
  const dbPath = join(dir, 'tandem.db')
  let { child, port } = await startProcess(0, dbPath, env)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dbPath,
    async cli(...args) {
      const run = promisify(execFile)
      const { stdout } = await run(
        process.execPath,
        [...tsxImport, 'server/cli.ts', '--db', dbPath, ...args],
        {
          cwd: rootDir,
        },
      )
      return stdout
    },
    async admin(path, body) {
      const res = await fetch(`http://127.0.0.1:${port}/admin${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return res.json()
    },
    async restart() {
      child.kill('SIGKILL')
      await exited(child)
      ;({ child } = await startProcess(port, dbPath, env))
    },
    async stop() {
      child.kill('SIGTERM')
      await exited(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The fixtures every spec gets: `tandem`, one server per worker. */
export const test = base.extend<object, { tandem: TandemServer }>({
  tandem: [
    async ({}, use) => {
      const server = await startTandem()
      await use(server)
      await server.stop()
    },
    { scope: 'worker', timeout: 60_000 },
  ],
})

export { expect }

let docCounter = 0

/** A document name no other test uses. */
export function uniqueDoc(prefix: string): string {
  docCounter += 1
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${docCounter}`
}

/** Options of {@link openEditor}. */
export interface OpenEditorOptions {
  readonly token?: string
  /** Skip waiting for the editor to become editable (read-only and error cases). */
  readonly waitEditable?: boolean
}

/** Open `/d/<doc>` in a new browser context as `name`; waits until the first sync is done. */
export async function openEditor(
  browser: Browser,
  server: TandemServer,
  doc: string,
  name: string,
  options: OpenEditorOptions = {},
): Promise<Page> {
  const context = await browser.newContext()
  await context.addInitScript((value) => localStorage.setItem('tandem.name', value), name)
  const page = await context.newPage()
  const query = options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`
  await page.goto(`${server.url}/d/${encodeURIComponent(doc)}${query}`)
  if (options.waitEditable !== false) {
    await expect(page.locator('body')).toHaveAttribute('data-loaded', 'true')
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected')
  }
  return page
}

/** The editor's document text, read from the CodeMirror state (not the virtualized DOM). */
export function editorText(page: Page): Promise<string> {
  return page.evaluate(() => window.tandemEditor?.getText() ?? '')
}

/** The editor's main selection head (the caret offset). */
export function editorCaret(page: Page): Promise<number> {
  return page.evaluate(() => window.tandemEditor?.getSelection().head ?? -1)
}

/** Wait until every page shows `expected` (or, without it, until they all agree). */
export async function expectConverged(pages: readonly Page[], expected?: string): Promise<string> {
  let agreed = ''
  await expect
    .poll(
      async () => {
        const texts = await Promise.all(pages.map(editorText))
        agreed = texts[0] ?? ''
        const same = texts.every((text) => text === agreed)
        return same && (expected === undefined || agreed === expected)
          ? 'converged'
          : JSON.stringify(texts)
      },
      { timeout: 30_000 },
    )
    .toBe('converged')
  return agreed
}

/** Put the caret at the end of line `line` (1-based) of the editor. */
export async function caretToLineEnd(page: Page, line: number): Promise<void> {
  await page.locator('.cm-content').click()
  await page.keyboard.press('Control+Home')
  for (let i = 1; i < line; i++) await page.keyboard.press('ArrowDown')
  await page.keyboard.press('End')
}

/** A seeded random generator (mulberry32), so a failing run can be replayed by its seed. */
export { createRng as seededRandom } from './bench/lib/rng.ts'

/** Type `text` into the focused element one key at a time, `minMs`–`maxMs` apart, like a person. */
export async function typeLikeHuman(
  page: Page,
  text: string,
  random: () => number,
  minMs = 20,
  maxMs = 60,
): Promise<void> {
  for (const key of text) {
    await page.keyboard.type(key)
    await page.waitForTimeout(minMs + Math.floor(random() * (maxMs - minMs + 1)))
  }
}

/**
 * Type the words `word(1)`, `word(2)`, … like a person, with a short pause after each, until
 * `stop()` says so; resolves with everything typed.
 */
export async function typeWordsUntil(
  page: Page,
  word: (index: number) => string,
  stop: () => boolean,
  random: () => number,
): Promise<string> {
  let typed = ''
  for (let i = 1; !stop(); i++) {
    await typeLikeHuman(page, word(i), random)
    typed += word(i)
    await page.waitForTimeout(100 + Math.floor(random() * 300))
  }
  return typed
}
