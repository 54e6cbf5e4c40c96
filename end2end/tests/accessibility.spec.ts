import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { hydrated, logIn } from './pages';

/// The serious and critical violations axe-core finds on the page as it
/// stands (WCAG 2.1 A and AA rules), one line each with where it is.
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary ?? ''}`));
}

async function check(page: Page, path: string) {
  await test.step(path, async () => {
    await page.goto(path);
    await hydrated(page);
    expect(await violations(page), path).toEqual([]);
  });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`public pages have no serious accessibility violation (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    for (const path of ['/', '/login', '/signup', '/forgot-password']) {
      await check(page, path);
    }
  });

  test(`workspace pages have no serious accessibility violation (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await logIn(page, 'demo@prudentia.example');
    const paths = [
      '/app',
      '/app/account',
      '/app/simulations',
      '/app/imports',
      '/app/reports',
      '/app/reports/settings',
      '/app/members',
      '/app/teams',
      '/app/tokens',
      '/app/organisation',
      '/app/notifications',
      '/app/audit',
      '/app/rules',
      '/app/webhooks',
    ];
    for (const path of paths) {
      await check(page, path);
    }
    await page.goto('/app/simulations');
    await page.getByRole('link', { name: 'Demo Bank — 31 Dec 2025' }).click();
    await hydrated(page);
    await expect(page.getByLabel(/CET1 capital action/)).toBeEnabled();
    await expect(page.getByTestId('drill-lines')).toBeVisible();
    expect(await violations(page), 'dashboard').toEqual([]);
  });
}
