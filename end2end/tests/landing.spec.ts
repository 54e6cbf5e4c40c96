import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { sql } from './db';

// Fails the test on any console error or uncaught exception in the page.
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test('the landing page renders, hydrates and shows plans without console errors', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('prudential ratio');
  const plans = page.locator('#pricing article.plan');
  await expect(plans).toHaveCount(Number(sql("SELECT count(*) FROM plans WHERE public")));
  await expect(page.locator('[data-plan="professional"]')).toContainText('€1,490');
  await expect(page.getByText('Illustrative testimonials')).toBeVisible();
  expect(problems).toEqual([]);
});

test('the theme toggle works after hydration and persists across reloads', async ({ page }) => {
  const problems = watchConsole(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await hydrated(page);
  const html = page.locator('html');
  const toggle = page.getByRole('button', { name: 'Switch between light and dark theme' });
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  // Rendered dark by the server from the cookie, before any script runs.
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await hydrated(page);
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(problems).toEqual([]);
});

test('the page is readable with JavaScript disabled', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.locator('[data-plan="starter"]')).toContainText('Starter');
  await expect(page.getByLabel('Work e-mail')).toBeVisible();
  await context.close();
});

test('a contact request is stored and acknowledged', async ({ page }) => {
  const problems = watchConsole(page);
  const email = `ada+${Date.now()}@bank.example`;
  await page.goto('/#contact');
  await hydrated(page);
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Work e-mail').fill(email);
  await page.getByLabel('Organisation (optional)').fill('Analytical Bank');
  await page.getByLabel('How can we help?').fill('Please show us the NSFR simulation.');
  await page.getByRole('button', { name: 'Send message' }).click();
  const ack = page.getByTestId('contact-ack');
  await expect(ack).toContainText('Message received');
  await expect(ack).toContainText(/CR-[0-9A-F]{8}/);
  expect(sql(`SELECT name || '|' || organisation FROM contact_requests WHERE email = '${email}'`)).toBe(
    'Ada Lovelace|Analytical Bank',
  );
  expect(problems).toEqual([]);
});

test('an invalid e-mail shows an inline error, keeps what was typed and stores nothing', async ({ page }) => {
  const name = `Invalid Mail ${Date.now()}`;
  await page.goto('/#contact');
  await hydrated(page);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Work e-mail').fill('ada-at-bank');
  await page.getByLabel('How can we help?').fill('This message must survive the error.');
  await page.getByRole('button', { name: 'Send message' }).click();
  const email = page.getByLabel('Work e-mail');
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#contact-email-error')).toContainText('does not look like an e-mail address');
  await expect(page.getByLabel('Your name')).toHaveValue(name);
  await expect(page.getByLabel('How can we help?')).toHaveValue('This message must survive the error.');
  await expect(email).toHaveValue('ada-at-bank');
  expect(sql(`SELECT count(*) FROM contact_requests WHERE name = '${name}'`)).toBe('0');
});

test('screenshots: desktop and 375 px mobile', async ({ browser }) => {
  mkdirSync('screenshots', { recursive: true });
  for (const [name, viewport] of [
    ['desktop', { width: 1280, height: 900 }],
    ['mobile', { width: 375, height: 812 }],
  ] as const) {
    const context = await browser.newContext({ viewport, colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto('/');
    await hydrated(page);
    // Nothing wider than the viewport: the layout holds down to phone widths.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `screenshots/landing-${name}.png`, fullPage: true });
    await context.close();
  }
});
