// Serves the browser side: the pages (`/`, `/d/<name>`, `/embed-demo`), the widget (`/embed.js`),
// the page assets (`/assets/*`, built by web/build.ts into dist/web/) and GET /api/documents.

import express, { type Request, type Response, type Router } from 'express'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { AppPlugin } from '../app.ts'
import { packageRoot } from '../package-root.ts'

/** One row of GET /api/documents. */
export interface DocumentListing {
  readonly file: string
  readonly updatedMs: number
  readonly length: number
}

/** Options for {@link createStaticRouter}. */
export interface StaticOptions {
  /** Folder the web build wrote (dist/web). */
  readonly distDir?: string
  /**
   * Lists the documents for GET /api/documents, for the caller of `req` (so the app can leave out
   * documents that caller may not read); without it the list is empty.
   */
  readonly listDocuments?: (req: Request) => readonly DocumentListing[]
}

/** The default build output folder, dist/web at the repository root. */
export const defaultDistDir = join(packageRoot(import.meta.url), 'dist', 'web')

// Pages load only their own scripts and styles; CodeMirror injects <style> elements, hence
// 'unsafe-inline' for styles. connect-src lists ws:/wss: for browsers whose 'self' omits them.
const pageSecurityPolicy = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  // CometD runs its timers in a blob: worker so background tabs keep their heartbeat.
  "worker-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

function sendPage(distDir: string, page: string) {
  return (_req: Request, res: Response): void => {
    res.set('Content-Security-Policy', pageSecurityPolicy)
    res.set('Cache-Control', 'no-cache')
    res.sendFile(join(distDir, 'pages', page))
  }
}

/**
 * An express router for the pages, the widget and the assets. When the web build is missing it
 * answers 503 with the command that makes it, instead of 404s that hide the cause.
 */
export function createStaticRouter(options: StaticOptions = {}): Router {
  const distDir = options.distDir ?? defaultDistDir
  const router = express.Router()
  router.use((req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff')
    const isApi = req.path.startsWith('/api/')
    if (isApi || existsSync(join(distDir, 'embed.js'))) return next()
    res.status(503).type('text/plain').send('The web build is missing: run `npm run build`.\n')
  })
  router.get('/', sendPage(distDir, 'index.html'))
  router.get('/d/*name', sendPage(distDir, 'doc.html'))
  router.get('/embed-demo', sendPage(distDir, 'embed-demo.html'))
  router.get(['/embed.js', '/embed.js.map'], (req, res) => {
    // Host pages on other origins load the widget; it holds no secrets.
    res.set('Access-Control-Allow-Origin', '*')
    res.set('Cache-Control', 'no-cache')
    res.sendFile(join(distDir, req.path.slice(1)))
  })
  router.use('/assets', express.static(join(distDir, 'assets'), { fallthrough: false, maxAge: 0 }))
  router.get('/api/documents', (req, res) => {
    const documents = options.listDocuments?.(req) ?? []
    res.set('Cache-Control', 'no-store')
    res.json({ documents })
  })
  return router
}

/** An app plugin (server/app.ts) that mounts {@link createStaticRouter} at the root. */
export function staticFiles(options: StaticOptions = {}): AppPlugin {
  return ({ app }) => {
    app.use(createStaticRouter(options))
  }
}
