import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const bin = process.argv[2];
const port = 3302; const base = `http://127.0.0.1:${port}`;
const server = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--demo'], { env: { ...process.env, PRUDENTIA_DATA_DIR: mkdtempSync(join(tmpdir(), 'probe-')), DATABASE_URL: '', RUST_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
for (let i = 0; i < 240; i++) { try { if ((await fetch(`${base}/healthz`)).ok) break; } catch {} await new Promise(r => setTimeout(r, 500)); }
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
await page.goto(`${base}/login`);
await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true');
await page.fill('#login-email', 'analyst@prudentia.example');
await page.fill('#login-password', 'prudentia-demo');
await page.click('button[type=submit]');
await page.waitForURL(/\/app$/);
for (const path of ['/app/simulations', '/app/notifications', '/app']) {
  await page.goto(base + path);
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true');
  if (path === '/app/simulations') {
    await page.click('text=Demo Bank');
    await page.waitForFunction(() => document.querySelector('[data-testid="engine-status"]')?.textContent.includes('loaded into the engine'));
  }
  const wide = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && r.width > 0) {
        let inScroll = false;
        for (let p = el.parentElement; p; p = p.parentElement) {
          const s = getComputedStyle(p);
          if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') { inScroll = true; break; }
        }
        if (!inScroll) out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
      }
    }
    return { scroll: document.documentElement.scrollWidth, out: out.slice(0, 12) };
  });
  console.log(page.url(), JSON.stringify(wide));
}
await browser.close(); server.kill('SIGTERM');
