/**
 * The Secrets page at `/`: three static files inlined into the build, served with headers
 * that keep them to themselves: nothing may load from elsewhere, no inline script or style
 * runs, no other site may frame the page, and the browser may not guess content types.
 */
import css from './page/app.css?raw';
import js from './page/app.js?raw';
import html from './page/index.html?raw';
import type { WireResponse } from './wire.js';

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  // The page builds its DOM from text only; this makes any HTML-string sink an error.
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': PAGE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const FILES: Readonly<Record<string, { type: string; body: Buffer }>> = {
  '/': { type: 'text/html; charset=utf-8', body: Buffer.from(html, 'utf8') },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: Buffer.from(js, 'utf8') },
  '/app.css': { type: 'text/css; charset=utf-8', body: Buffer.from(css, 'utf8') },
};

/** The page's answer to a GET or HEAD of one of its paths; undefined for anything else (the API's). */
export function pageResponse(method: string, path: string): WireResponse | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  // Browsers ask for an icon on their own; answering "none" keeps the API's JSON 404 out of it.
  if (path === '/favicon.ico') return { status: 204, headers: { ...HEADERS }, body: Buffer.alloc(0) };
  const file = FILES[path];
  if (!file) return undefined;
  return { status: 200, headers: { ...HEADERS, 'Content-Type': file.type }, body: file.body };
}
