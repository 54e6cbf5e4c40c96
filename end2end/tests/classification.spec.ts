import { expect, test } from '@playwright/test';
import { hydrated, logIn } from './pages';

test('the model card shows the hold-out figures, and training now puts the organisation’s own model in force', async ({ page }) => {
  await logIn(page, 'demo@prudentia.example');
  await page.goto('/app/classification');
  await hydrated(page);
  const card = page.getByTestId('model-card');
  await expect(card.getByTestId('model-macro-f1')).toHaveText(/^0\.\d{3}$|^1\.000$/);
  await expect(card.getByTestId('model-classes')).toContainText('real_estate');
  await expect(card.getByTestId('confusion-matrix').locator('svg')).toBeVisible();

  await page.getByTestId('train-model').click();
  await expect(page.getByTestId('model-in-force')).toContainText('Your model, version', { timeout: 60_000 });
  const history = page.getByTestId('model-history');
  await expect(history.locator('tr', { hasText: 'in force' })).toHaveCount(1);
  const version = (await page.getByTestId('model-in-force').textContent())?.match(/version (\d+)/)?.[1];
  await expect(history.locator(`tr[data-version="${version}"]`)).toContainText('in force');
  await expect(card.getByTestId('model-types')).toContainText('right; given from');

  // A second training: the two latest versions side by side, then any two.
  await page.getByTestId('train-model').click();
  const next = String(Number(version) + 1);
  await expect(page.getByTestId('model-in-force')).toContainText(`version ${next}`, { timeout: 60_000 });
  const compare = page.getByTestId('model-compare-table');
  await expect(compare.locator('thead')).toContainText(`Version ${version}`);
  await expect(compare.locator('thead')).toContainText(`Version ${next}`);
  await expect(compare.locator('tr', { hasText: 'Macro-F1' })).toContainText(/=|[+-]0\.\d{3}/);
  await expect(compare.locator('tr', { hasText: 'real_estate: recall' })).toBeVisible();
  await page.getByTestId('model-compare').getByLabel('Compare').selectOption(`${next}`);
  await expect(compare.locator('tr', { hasText: 'Labelled lines' }).locator('td').last()).toHaveText('=');
});

test('a viewer has no model card in the menu and the page refuses them', async ({ page }) => {
  await logIn(page, 'viewer@prudentia.example');
  await page.goto('/app');
  await hydrated(page);
  await expect(page.getByRole('link', { name: 'Classification model' })).toHaveCount(0);
  await page.goto('/app/classification');
  await expect(page.getByTestId('model-card')).toHaveCount(0);
});
