import { defineConfig, devices } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// One throwaway data folder per run: the server starts its own private
// PostgreSQL cluster there. The config is evaluated again in each worker,
// which inherits the variable, so every process agrees on the folder.
if (!process.env.PRUDENTIA_E2E_DATA_DIR) {
  process.env.PRUDENTIA_E2E_DATA_DIR = mkdtempSync(join(tmpdir(), 'prudentia-e2e-'));
}
const dataDir = process.env.PRUDENTIA_E2E_DATA_DIR;
const port = Number(process.env.PRUDENTIA_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const repoRoot = resolve(__dirname, '..');
const bin = process.env.PRUDENTIA_BIN ?? resolve(repoRoot, 'target/debug/prudentia');

// Debian's chromium, never a browser downloaded by Playwright.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  globalTeardown: './global-teardown.ts',
  use: {
    baseURL,
    launchOptions: chromium,
    trace: 'off',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], launchOptions: chromium } },
  ],
  webServer: {
    command: `"${bin}" serve --addr 127.0.0.1:${port} --demo`,
    cwd: repoRoot,
    url: `${baseURL}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    // SIGTERM lets the server drain and stop its PostgreSQL cleanly.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    env: {
      PRUDENTIA_DATA_DIR: dataDir,
      PRUDENTIA_CONTACT_PER_HOUR: '20',
      // The webhook tests' receiver listens on loopback.
      PRUDENTIA_WEBHOOKS_ALLOW_PRIVATE: 'true',
      // So do the scheduled-import tests' file server.
      PRUDENTIA_CONNECTIONS_ALLOW_PRIVATE: 'true',
      DATABASE_URL: '',
      RUST_LOG: 'warn',
    },
  },
});
