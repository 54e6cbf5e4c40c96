import { expect, test } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hydrated, logIn } from './pages';

/// A loan tape as a French bank keeps it: semicolons, decimal commas,
/// French headers, one the importer cannot guess (unique per run: a
/// correction is remembered for the same headers).
function frenchTape(guess: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'prudentia-import-'));
  const file = join(dir, `encours-${Date.now()}.csv`);
  writeFileSync(
    file,
    `N° de contrat;Catégorie d'exposition;Encours tiré;Pays de résidence;${guess}\n` +
      'C-001;Entreprises;1 000 000,00;FR;250 000\n' +
      'C-002;Clientèle de détail;250 000,50;FR;\n' +
      'C-003;Administrations centrales;5 000 000;DE;\n',
    'latin1',
  );
  return file;
}

test('an analyst imports a French file, corrects a column, previews and opens the dashboard', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await page.goto('/app/imports');
  await hydrated(page);
  const guess = `Montant brut ${Date.now()}`;
  await page.getByLabel('File').setInputFiles(frenchTape(guess));
  await page.getByRole('button', { name: 'Upload and map' }).click();
  await expect(page).toHaveURL(/\/app\/imports\/[0-9a-f-]{36}$/);
  await hydrated(page);

  const mapping = page.getByTestId('column-mapping');
  await expect(page.getByTestId('sheet-section').first()).toHaveValue('exposures');
  await expect(mapping.getByLabel('Field of column N° de contrat')).toHaveValue('id');
  await expect(mapping.getByLabel('Field of column Encours tiré')).toHaveValue('drawn');
  await expect(mapping.getByLabel(`Field of column ${guess}`)).toHaveValue('');
  // The analyst knows this column is the guaranteed amount.
  await mapping.getByLabel(`Field of column ${guess}`).selectOption('guaranteed_amount');
  await expect(mapping.locator('tr', { hasText: guess })).toContainText('your choice');

  await page.getByTestId('preview-import').click();
  const preview = page.getByTestId('import-preview');
  await expect(preview.getByTestId('problem-counts')).toContainText('0 error(s)');
  await expect(preview.getByTestId('class-totals')).toContainText('corporate');
  await expect(preview.getByTestId('preview-cet1')).toBeVisible();
  await expect(preview).toContainText('Exposure lines: 3 row(s)');

  const name = `Encours FR ${Date.now()}`;
  await page.getByLabel('Name of the new simulation').fill(name);
  await page.getByTestId('commit-import').click();
  await expect(page).toHaveURL(/\/app\/simulations\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  await expect(page.getByTestId('metric-cet1')).toContainText('%');
});

test('a damaged workbook is refused on the upload page with the reason', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await page.goto('/app/imports');
  await hydrated(page);
  const dir = mkdtempSync(join(tmpdir(), 'prudentia-import-'));
  const file = join(dir, 'broken.xlsx');
  writeFileSync(file, 'PK\u0003\u0004 not really a workbook');
  await page.getByLabel('File').setInputFiles(file);
  await page.getByRole('button', { name: 'Upload and map' }).click();
  await expect(page.getByTestId('upload-error')).toContainText('damaged or truncated');
});

test('a file without a class column: the analyst corrects the unsure line, confirms the rest and commits', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await page.goto('/app/imports');
  await hydrated(page);
  const dir = mkdtempSync(join(tmpdir(), 'prudentia-import-'));
  const file = join(dir, `sans-classe-${Date.now()}.csv`);
  writeFileSync(
    file,
    'N° de contrat;Contrepartie;Produit;Encours tiré;Pays;Code NACE\n' +
      'C-001;SCI Les Tilleuls Lyon;Prêt immobilier;250 000;FR;L68.20\n' +
      'C-002;République française;OAT;5 000 000;FR;O84.11\n' +
      'C-003;;Divers;1 000;FR;\n' +
      'C-004;Boulangerie Martin;Prêt professionnel;40 000;FR;C10.71\n',
  );
  await page.getByLabel('File').setInputFiles(file);
  await page.getByRole('button', { name: 'Upload and map' }).click();
  await expect(page).toHaveURL(/\/app\/imports\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await page.getByTestId('preview-import').click();

  const proposals = page.getByTestId('class-proposals');
  await expect(proposals.getByTestId('class-summary')).toContainText('4 line(s) had no class');
  await expect(page.getByTestId('commit-form')).toHaveCount(0);
  // Least confident first: the line with nothing to read from.
  const unsure = proposals.locator('tr[data-line="C-003"]');
  await expect(proposals.getByTestId('class-proposal').first()).toHaveAttribute('data-line', 'C-003');
  await expect(unsure).toHaveClass(/needs-confirmation/);
  await expect(proposals.locator('tr[data-line="C-002"]')).toContainText('sovereign');

  await unsure.getByTestId('class-choice').selectOption('other_assets');
  await unsure.getByTestId('confirm-class').click();
  await expect(unsure.getByTestId('class-chosen')).toContainText('chosen: other_assets');
  for (const id of ['C-001', 'C-002', 'C-004']) {
    await proposals.locator(`tr[data-line="${id}"]`).getByTestId('confirm-class').click();
  }
  await page.getByTestId('preview-import').click();
  await expect(page.getByTestId('problem-counts')).toContainText('0 error(s)');
  await expect(page.getByTestId('class-summary')).toContainText('0 proposed below');
  await expect(page.getByTestId('class-totals')).toContainText('other_assets');

  await page.getByLabel('Name of the new simulation').fill(`Sans classe ${Date.now()}`);
  await page.getByTestId('commit-import').click();
  await expect(page).toHaveURL(/\/app\/simulations\/[0-9a-f-]{36}$/);
});

test('a facility entered twice is listed as an anomaly in the preview, and its accepted fix applies to the import', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await page.goto('/app/imports');
  await hydrated(page);
  const dir = mkdtempSync(join(tmpdir(), 'prudentia-import-'));
  const file = join(dir, `doublons-${Date.now()}.csv`);
  writeFileSync(
    file,
    'id;class;counterparty_id;drawn;country\n' +
      'D-001;corporate;CP-1;1000000;FR\n' +
      'D-002;corporate;CP-1;1000000;FR\n' +
      'D-003;retail;CP-2;20000;FR\n',
  );
  await page.getByLabel('File').setInputFiles(file);
  await page.getByRole('button', { name: 'Upload and map' }).click();
  await expect(page).toHaveURL(/\/app\/imports\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await page.getByTestId('preview-import').click();

  const corporate = page.getByTestId('class-totals').locator('tr', { hasText: 'corporate' });
  await expect(corporate).toContainText('2,000,000');
  const anomalies = page.getByTestId('import-anomalies');
  const duplicate = anomalies.locator('tr[data-line="D-002"]', { hasText: 'duplicate' });
  await expect(duplicate).toContainText('line D-001');
  await duplicate.getByRole('button', { name: 'Set the duplicate to zero' }).click();
  await expect(duplicate.getByTestId('accept-fix')).toHaveText('Accepted');
  await expect(duplicate.getByTestId('accept-fix')).toBeDisabled();

  await page.getByTestId('preview-import').click();
  await expect(page.getByTestId('problem-counts')).toContainText('0 error(s)');
  await expect(corporate).toContainText('1,000,000');
  await expect(anomalies.locator('tr[data-line="D-002"]', { hasText: 'duplicate' })).toHaveCount(0);

  await page.getByLabel('Name of the new simulation').fill(`Doublons ${Date.now()}`);
  await page.getByTestId('commit-import').click();
  await expect(page).toHaveURL(/\/app\/simulations\/[0-9a-f-]{36}$/);
});
