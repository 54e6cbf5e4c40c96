// Times the dashboard on a large simulation in headless Chromium (`make bench`):
// the load (navigation to levers ready: page, baseline, lines in binary, engine
// built) and a lever move (input event to the CET1 card updated).
// Usage: node bench/dashboard.mjs PRUDENTIA_BIN [LINES]
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [bin, lines = '100000'] = process.argv.slice(2);
if (!bin) {
  console.error('usage: node bench/dashboard.mjs PRUDENTIA_BIN [LINES]');
  process.exit(2);
}
const port = 3300;
const base = `http://127.0.0.1:${port}`;
const server = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--demo'], {
  env: { ...process.env, PRUDENTIA_DATA_DIR: mkdtempSync(join(tmpdir(), 'prudentia-bench-')), DATABASE_URL: '', RUST_LOG: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = () => new Promise((done) => { server.once('exit', done); server.kill('SIGTERM'); });

async function healthy() {
  for (let i = 0; i < 240; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) return; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the server did not start');
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  await healthy();
  const page = await browser.newPage();
  await page.goto(`${base}/login`);
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true');
  await page.fill('#login-email', 'analyst@prudentia.example');
  await page.fill('#login-password', 'prudentia-demo');
  await page.click('button[type=submit]');
  await page.waitForURL(/\/app$/);
  const created = Date.now();
  const id = await page.evaluate(async (lines) => {
    const body = new URLSearchParams({ name: `Synthetic ${lines}`, source: 'synthetic', data: '', lines });
    const r = await fetch('/api/create-simulation', { method: 'POST', body, headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error(`create: ${r.status} ${await r.text()}`);
    return r.json();
  }, lines);
  const createMs = Date.now() - created;

  // Ready = the page says the lines are in the engine (the levers are
  // enabled then; before hydration the server's HTML shows them enabled).
  const ready = (p) => p.waitForFunction(
    () => document.querySelector('[data-testid="engine-status"]')?.textContent.includes('loaded into the engine'),
    null, { timeout: 120_000 });
  // Cold: a fresh browser context each time (nothing cached). Warm: the
  // same page again, a version's lines being cacheable.
  const session = await page.context().storageState();
  const loads = [];
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext({ storageState: session });
    const cold = await context.newPage();
    const started = Date.now();
    await cold.goto(`${base}/app/simulations/${id}`);
    await ready(cold);
    loads.push(Date.now() - started);
    if (i === 0) {
      // Where the first cold load spends its time, in the page's clock.
      const t = await cold.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const res = (part) => performance.getEntriesByType('resource').find((r) => r.name.includes(part));
        const span = (r) => r ? `${r.startTime.toFixed(0)}–${r.responseEnd.toFixed(0)}` : '?';
        return `html ${nav.responseEnd.toFixed(0)}, dom ready ${nav.domContentLoadedEventEnd.toFixed(0)}, ` +
          `wasm ${span(res('.wasm'))}, lines ${span(res('/lines'))}, now ${performance.now().toFixed(0)}`;
      });
      console.log(`first cold load (ms since navigation): ${t}`);
    }
    await context.close();
  }
  const warm = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    await page.goto(`${base}/app/simulations/${id}`);
    await ready(page);
    warm.push(Date.now() - started);
  }
  // Lever to card: input event to the CET1 card's text changing, in the page's clock.
  const moves = [];
  for (const value of ['-100', '-200', '-300', '-400', '-500', '50', '150', '-50', '-250', '0']) {
    moves.push(await page.evaluate((v) => new Promise((done) => {
      const card = document.querySelector('[data-testid="metric-cet1"]');
      const input = document.querySelector('#lever-capital');
      const before = card.textContent;
      const t0 = performance.now();
      const seen = new MutationObserver(() => {
        if (card.textContent !== before) { seen.disconnect(); requestAnimationFrame(() => done(performance.now() - t0)); }
      });
      seen.observe(card, { childList: true, subtree: true, characterData: true });
      input.value = v;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      setTimeout(() => { seen.disconnect(); done(NaN); }, 5000);
    }), value));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const status = await page.textContent('[data-testid="engine-status"]');
  console.log(`dashboard, ${lines} lines: created in ${createMs} ms; load to levers ready, cold ${loads.join(' / ')} ms ` +
    `(median ${median(loads)}), warm ${warm.join(' / ')} ms; lever to painted CET1 card median ${median(moves.filter((x) => !Number.isNaN(x))).toFixed(1)} ms ` +
    `(all: ${moves.map((m) => m.toFixed(1)).join(', ')}); page says: ${status.trim()}`);
} finally {
  await browser.close();
  await stop();
}
