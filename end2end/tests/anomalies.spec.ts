import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDemoSimulation, hydrated, logIn } from './pages';

const repoRoot = resolve(__dirname, '..', '..');
const bin = process.env.PRUDENTIA_BIN ?? resolve(repoRoot, 'target/debug/prudentia');
const demo = join(repoRoot, 'samples/demo-bank.json');

/// `prudentia compute` on the demo bank with these edits: the scenario's
/// CET1 as the strip shows it.
function engineCet1(edits: object[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'prudentia-anomalies-')), 'scenario.json');
  writeFileSync(file, JSON.stringify({ edits }));
  const out = execFileSync(bin, ['compute', '--input', demo, '--scenario', file], { encoding: 'utf8' });
  return `${(JSON.parse(out).scenario.ratios.cet1 * 100).toFixed(2)} %`;
}

test('a line planted a thousand times too large is an anomaly whose fix takes the figures back', async ({ page }) => {
  const id = 'L-0000012';
  const drawn = JSON.parse(readFileSync(demo, 'utf8')).exposures.find((e: { id: string }) => e.id === id).drawn as number;
  await logIn(page, 'analyst@prudentia.example');
  await createDemoSimulation(page, 'Anomalies');
  await expect(page.getByLabel(/CET1 capital action/)).toBeEnabled();
  const clean = engineCet1([]);

  // Planted through the table of lines and saved as version 2.
  await page.getByLabel('Line id contains').fill(id);
  await expect(page.getByTestId('drill-total')).toContainText('1 lines');
  await page.locator(`tr[data-line="${id}"]`).getByRole('button', { name: 'Edit' }).click();
  const editor = page.getByTestId('line-editor');
  await editor.getByLabel('New value').fill(String(drawn * 1000));
  await editor.getByRole('button', { name: 'Apply to the scenario' }).click();
  const planted = engineCet1([{ op: 'set_line', id, field: 'drawn', value: drawn * 1000 }]);
  await expect(page.getByTestId('metric-cet1')).toHaveText(planted);
  await page.getByRole('button', { name: 'Save the levers as version 2' }).click();
  await expect(page.getByTestId('version-line')).toContainText('Version 2 of 2');
  await hydrated(page);
  await expect(page.getByTestId('metric-cet1')).toHaveText(planted);

  // Its class is marked on the RWA chart, and its row's tip counts them.
  await expect(page.getByTestId('chart-rwa')).toContainText('▲');
  await expect(page.locator('.row-target[data-key="corporate"]')).toHaveAttribute('data-tip', /anomal/);
  // And its group, now the largest exposure, on the large-exposure chart.
  await expect(page.getByTestId('chart-large')).toContainText('▲');
  await expect(page.locator('.row-target[data-key="GRP-0072"]')).toHaveAttribute('data-tip', /anomal/);

  // The panel names the line, says why, and offers the fix.
  const panel = page.getByTestId('anomalies');
  const rows = panel.locator('tr', { hasText: id }).filter({ hasText: 'scale' });
  // Found twice: against its peers, and against the same line in version 1.
  await expect(rows.filter({ hasText: 'its peers' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'previous version' })).toHaveCount(1);
  // The reviewer sees them beside the review, before approving.
  await expect(page.getByTestId('review-anomalies')).toContainText('2 high-severity anomalies are open');
  const row = rows.first();
  await expect(row).toContainText('High');
  await row.getByRole('button', { name: 'Divide by 1,000' }).click();
  // The same edit fixes both findings.
  await expect(rows.getByRole('button', { name: 'Applied' })).toHaveCount(2);
  await expect(page.getByTestId('metric-cet1')).toHaveText(clean);
  expect(clean).not.toBe(planted);

  // Judged not an error, with a reason: the finding on that value (against
  // its peers and against version 1 alike) leaves the list for the dismissed.
  const jump = rows.filter({ hasText: 'previous version' });
  await jump.getByTestId('dismiss-anomaly').click();
  await jump.getByTestId('dismiss-reason').fill('the unit was fixed upstream');
  await jump.getByRole('button', { name: 'Dismiss', exact: true }).click();
  await expect(rows).toHaveCount(0);
  await expect(panel.getByTestId('anomaly-summary')).toContainText('0 of high severity; 2 dismissed');
  await expect(page.getByTestId('review-anomalies')).toHaveCount(0);
  const dismissed = panel.getByTestId('dismissed-anomalies');
  await dismissed.locator('summary').click();
  await expect(dismissed).toContainText('the unit was fixed upstream');
  await expect(dismissed).toContainText('analyst@prudentia.example');
});
