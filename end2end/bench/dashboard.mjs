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

  const loads = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    await page.goto(`${base}/app/simulations/${id}`);
    await page.waitForFunction(() => !document.querySelector('#lever-capital')?.disabled, null, { timeout: 120_000 });
    loads.push(Date.now() - started);
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
  console.log(`dashboard, ${lines} lines: created in ${createMs} ms; load to levers ready ${loads.join(' / ')} ms ` +
    `(median ${median(loads)}); lever to painted CET1 card median ${median(moves.filter((x) => !Number.isNaN(x))).toFixed(1)} ms ` +
    `(all: ${moves.map((m) => m.toFixed(1)).join(', ')}); page says: ${status.trim()}`);
} finally {
  await browser.close();
  await stop();
}
