import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDemoSimulation, hydrated, logIn } from './pages';

const repoRoot = resolve(__dirname, '..', '..');
const bin = process.env.PRUDENTIA_BIN ?? resolve(repoRoot, 'target/debug/prudentia');

/// The CET1 ratio `prudentia compute` gives the demo bank with these rule
/// parameters, formatted as the strip shows it.
function engineCet1(parameters: Record<string, number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'prudentia-rules-'));
  const file = join(dir, 'scenario.json');
  const edits = Object.entries(parameters).map(([key, value]) => ({ op: 'set_parameter', key, value }));
  writeFileSync(file, JSON.stringify({ edits }));
  const out = execFileSync(bin, ['compute', '--input', join(repoRoot, 'samples/demo-bank.json'), '--scenario', file], {
    encoding: 'utf8',
  });
  return `${(JSON.parse(out).scenario.ratios.cet1 * 100).toFixed(2)} %`;
}

test('a custom profile with a stricter corporate weight gives the engine figures and is recorded on the version', async ({ page }) => {
  await logIn(page, 'demo@prudentia.example');
  await page.goto('/app/rules');
  await hydrated(page);
  const name = `Stricter corporates ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Derived from').selectOption('basel31');
  await page.getByRole('button', { name: 'Create the profile' }).click();
  await expect(page).toHaveURL(/\/app\/rules\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByTestId('rule-profile-line')).toContainText('Version 1 of 1');

  // The search narrows 200-odd parameters to the one wanted.
  await page.getByLabel('Find a parameter').fill('corporate, unrated');
  const weight = page.getByLabel('Risk weight: corporate, unrated', { exact: true });
  await expect(weight).toHaveValue('100');
  await expect(page.locator('tr[data-key="ccf.commitment"]')).toBeHidden();
  await weight.fill('2000');
  await expect(page.getByRole('alert').filter({ hasText: '1250 %' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save as version 2' })).toBeDisabled();
  await weight.fill('130');
  await page.getByLabel('Why this version').fill('Corporate book reviewed');
  await page.getByRole('button', { name: 'Save as version 2' }).click();
  await expect(page.getByTestId('rule-profile-line')).toContainText('Version 2 of 2');
  await hydrated(page);
  await page.getByRole('button', { name: 'Show the changes' }).click();
  await expect(page.getByTestId('rule-diff')).toContainText('rw.corporate.unrated');
  await expect(page.getByTestId('rule-diff')).toContainText('130 %');
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // Applied to a simulation: a new version computed with those rules.
  await createDemoSimulation(page, 'Rules');
  await expect(page.getByLabel(/CET1 capital action/)).toBeEnabled();
  const regulatory = await page.getByTestId('metric-cet1').textContent();
  expect(regulatory).toBe(engineCet1({}));
  await page.getByLabel('Recompute with').selectOption({ label: name });
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await expect(page.getByTestId('version-line')).toContainText('Version 2 of 2');
  await expect(page.getByTestId('version-line')).toContainText(`${name} v2`);
  await expect(page.getByTestId('rules-in-use')).toContainText(`${name} v2`);
  const stricter = engineCet1({ 'rw.corporate.unrated': 1.3 });
  expect(stricter).not.toBe(regulatory);
  await expect(page.getByTestId('metric-cet1')).toHaveText(stricter);
  await expect(page.getByTestId('versions')).toContainText(`${name} v2`);

  // The levers move any parameter of the version's rules for a scenario.
  await hydrated(page);
  await expect(page.getByLabel(/CET1 capital action/)).toBeEnabled();
  await page.getByLabel('Parameter', { exact: true }).selectOption('rw.corporate.unrated');
  await expect(page.getByText('now 130 %')).toBeVisible();
  await page.getByLabel(/Parameter's new value/).fill('150');
  await page.getByRole('button', { name: 'Apply the parameter' }).click();
  await expect(page.getByTestId('param-edits')).toContainText('rw.corporate.unrated = 150 %');
  await expect(page.getByTestId('metric-cet1')).toHaveText(engineCet1({ 'rw.corporate.unrated': 1.5 }));
});

test('a management buffer set in a rule profile is the default target the organisation page shows', async ({ page }) => {
  await logIn(page, 'demo@prudentia.example');
  await page.goto('/app/rules');
  await hydrated(page);
  const name = `Buffered ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Derived from').selectOption('crr3');
  await page.getByRole('button', { name: 'Create the profile' }).click();
  await expect(page).toHaveURL(/\/app\/rules\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await page.getByLabel('Find a parameter').fill('mgmt_buffer.cet1');
  await page.locator('tr[data-key="mgmt_buffer.cet1"] input').fill('1.5');
  await page.getByLabel('Why this version').fill('Board risk appetite');
  await page.getByRole('button', { name: 'Save as version 2' }).click();
  await expect(page.getByTestId('rule-profile-line')).toContainText('Version 2 of 2');

  await page.goto('/app/organisation');
  const row = page.getByTestId('management-buffers').locator('tr').filter({ hasText: `${name} v2` });
  await expect(row.locator('td')).toHaveText([`${name} v2`, '1.50 pp', '0.00 pp', '0.00 pp', '0.00 pp', '0.00 pp', '0.00 pp', '0.00 pp']);
  await expect(page.getByTestId('management-buffers').locator('th')).toContainText(['Rule profile', 'CET1', 'Tier 1', 'Total capital', 'Leverage', 'LCR', 'NSFR', 'Largest large exposure']);
});
