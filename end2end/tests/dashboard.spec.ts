import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDemoSimulation, hydrated, logIn as logInPage } from './pages';

const repoRoot = resolve(__dirname, '..', '..');
const bin = process.env.PRUDENTIA_BIN ?? resolve(repoRoot, 'target/debug/prudentia');


// The lines of a class in the demo bank the server seeds (the unit tests
// keep samples/demo-bank.json equal to its generator), defaulted ones aside.
function demoLinesOf(cls: string): number {
  const data = JSON.parse(readFileSync(join(repoRoot, 'samples/demo-bank.json'), 'utf8'));
  return data.exposures.filter((l: { class: string; defaulted?: boolean }) => l.class === cls && !l.defaulted)
    .length;
}

async function logIn(page: Page, email: string) {
  await logInPage(page, email);
  // The site header knows who is signed in.
  await expect(page.getByTestId('open-workspace')).toBeVisible();
  await expect(page.locator('.site-header').getByRole('link', { name: 'Log in' })).toHaveCount(0);
}

async function openDemo(page: Page) {
  await page.goto('/app/simulations');
  await page.getByRole('link', { name: 'Demo Bank — 31 Dec 2025' }).click();
  await expect(page).toHaveURL(/\/app\/simulations\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByTestId('metric-cet1')).toContainText('%');
  // The levers wait for the exposure lines, which follow the page in binary.
  await expect(page.getByLabel(/CET1 capital action/)).toBeEnabled();
  await expect(page.getByTestId('engine-status')).toContainText('lines loaded into the engine');
}

/// The CET1 ratio the command-line engine computes for these edits on the
/// demo bank, formatted as the card shows it.
function engineCet1(edits: object[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'prudentia-scenario-'));
  const file = join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify({ edits }));
  const out = execFileSync(bin, ['compute', '--input', join(repoRoot, 'samples/demo-bank.json'), '--scenario', file], {
    encoding: 'utf8',
  });
  const cet1 = JSON.parse(out).scenario.ratios.cet1 as number;
  return `${(cet1 * 100).toFixed(2)} %`;
}

test('a lever recomputes CET1 in the browser exactly as the engine does; the scenario saves', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await logIn(page, 'analyst@prudentia.example');
  await openDemo(page);
  const baseline = await page.getByTestId('metric-cet1').textContent();
  expect(baseline).toBe(engineCet1([]));

  const chart = page.getByTestId('chart-capital');
  await expect(chart.locator('svg')).toBeVisible();
  await expect(page.getByTestId('chart-rwa')).toContainText('corporate');
  await expect(page.getByTestId('chart-liquidity')).toContainText('HQLA level 1');
  await expect(page.getByTestId('chart-large')).toContainText('limit');
  const chartBefore = await chart.innerHTML();

  await page.getByLabel(/CET1 capital action/).fill('-750');
  const expected = engineCet1([{ op: 'add_capital', tier: 'cet1', label: 'What-if capital action', amount: -750e6 }]);
  expect(expected).not.toBe(baseline);
  await expect(page.getByTestId('metric-cet1')).toHaveText(expected);
  await expect(page.getByTestId('delta-cet1')).toContainText('-');
  await expect(page.getByText(/Recomputed in the browser in/)).toBeVisible();
  expect(await chart.innerHTML()).not.toBe(chartBefore);

  // Undo and redo move every figure and the lever itself.
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('metric-cet1')).toHaveText(baseline!);
  await expect(page.getByLabel(/CET1 capital action/)).toHaveValue('0');
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(page.getByTestId('metric-cet1')).toHaveText(expected);
  await expect(page.getByLabel(/CET1 capital action/)).toHaveValue('-750');

  const name = `Dividend ${Date.now()}`;
  await page.getByLabel('Scenario name').fill(name);
  await page.getByRole('button', { name: 'Save scenario' }).click();
  await expect(page.getByTestId('saved')).toContainText(`CET1 ${expected}`);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('saved-scenarios')).toContainText(name);
  await expect(page.getByLabel(/CET1 capital action/)).toBeEnabled();
  await expect(page.getByTestId('drill-lines')).toBeVisible();

  mkdirSync('screenshots', { recursive: true });
  await page.screenshot({ path: 'screenshots/dashboard-desktop.png', fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: 'screenshots/dashboard-mobile.png', fullPage: true });
  // Nothing widens the page on a phone (tables scroll in their own box).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  expect(errors).toEqual([]);
});

test('the cockpit keeps the key figures, the lever being moved and two charts in view at 1440×900', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await logIn(page, 'analyst@prudentia.example');
  await openDemo(page);
  const inView = async (id: string) => {
    const box = await page.getByTestId(id).boundingBox();
    return box !== null && box.y >= 0 && box.y + box.height <= 900 && box.x >= 0 && box.x + box.width <= 1440;
  };
  const charts = ['chart-capital', 'chart-liquidity', 'chart-large', 'chart-rwa', 'chart-buckets', 'chart-trend'];
  const chartsInView = async () => {
    let n = 0;
    for (const id of charts) if (await inView(id)) n += 1;
    return n;
  };
  const slider = page.getByLabel(/Corporates exposures/);
  await slider.focus();
  const rwaBefore = await page.getByTestId('chart-rwa').innerHTML();
  for (let i = 0; i < 4; i += 1) await slider.press('ArrowRight');
  await expect(slider).toHaveValue('120');
  const expected = engineCet1([{ op: 'scale_exposures', filter: { class: 'corporate' }, factor: 1.2 }]);
  await expect(page.getByTestId('metric-cet1')).toHaveText(expected);
  await expect(page.getByTestId('change-cet1')).not.toHaveText('0.00 pp');
  // The charts in words follow the levers too.
  await expect(page.getByTestId('text-capital')).toContainText(`CET1 ${expected}`);
  await expect(page.getByTestId('text-trend')).toContainText('CET1: v1 ');
  expect(await page.getByTestId('chart-rwa').innerHTML()).not.toBe(rwaBefore);
  const box = await slider.boundingBox();
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(900);
  expect(await inView('key-strip')).toBe(true);
  expect(await chartsInView()).toBeGreaterThanOrEqual(2);
  // Every chart label reads at 11 px or more on screen.
  const smallest = await page.evaluate(() => {
    let min = Infinity;
    for (const svg of Array.from(document.querySelectorAll<SVGSVGElement>('.chart svg'))) {
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      for (const text of Array.from(svg.querySelectorAll('text'))) {
        min = Math.min(min, parseFloat(getComputedStyle(text).fontSize) * scale);
      }
    }
    return min;
  });
  expect(smallest).toBeGreaterThanOrEqual(11);
  mkdirSync('screenshots', { recursive: true });
  await page.screenshot({ path: 'screenshots/dashboard-cockpit.png' });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: 'screenshots/dashboard-cockpit-dark.png' });
  await page.emulateMedia({ colorScheme: 'light' });

  // Scrolled down to the last charts, the figures stay in view.
  await page.getByTestId('chart-trend').scrollIntoViewIfNeeded();
  expect(await inView('key-strip')).toBe(true);
  await expect(page.getByTestId('metric-cet1')).toBeInViewport();
});

test('the levers work from the keyboard alone, with a visible focus', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await openDemo(page);
  await page.getByRole('button', { name: 'Reset to baseline' }).focus();
  const order = [/CET1 capital action/, /Pillar 2 requirement/, /Countercyclical buffer rate/, /Corporates exposures/];
  for (const label of order) {
    await page.keyboard.press('Tab');
    await expect(page.getByLabel(label)).toBeFocused();
  }
  const slider = page.getByLabel(/Corporates exposures/);
  const outline = await slider.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe('none');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(slider).toHaveValue('90');
  const expected = engineCet1([{ op: 'scale_exposures', filter: { class: 'corporate' }, factor: 0.9 }]);
  await expect(page.getByTestId('metric-cet1')).toHaveText(expected);
});

test('a viewer sees the dashboard and may try levers but cannot save', async ({ page }) => {
  await logIn(page, 'viewer@prudentia.example');
  await openDemo(page);
  await expect(page.getByTestId('read-only')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save scenario' })).toHaveCount(0);
  await page.getByLabel(/Pillar 2 requirement/).fill('4');
  await expect(page.getByTestId('comparison')).toBeVisible();
});

test('a drill-down lists the lines behind a class, largest RWA first, with their rule', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await openDemo(page);
  const expected = demoLinesOf('equity');
  await page.getByRole('group', { name: 'Exposure class' }).getByRole('button', { name: 'equity', exact: true }).click();
  await expect(page.getByTestId('drill-total')).toContainText(`${expected} lines`);
  const rows = page.getByTestId('drill-lines').locator('tbody tr');
  await expect(rows.first()).toContainText('equity');
  await expect(rows.first()).toContainText('§');
  await page.getByLabel('Line id contains').fill('no-such-line');
  await expect(page.getByTestId('drill-total')).toContainText('0 lines');
});

test('a bar of the RWA chart shows its exact values on hover and opens its lines on a click', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await openDemo(page);
  const expected = demoLinesOf('corporate');
  const bar = page.locator('.chart-body:has([data-testid="chart-rwa"]) .row-target[data-key="corporate"]');
  await bar.hover();
  // The class's anomalies, once found, are counted after its amounts.
  await expect(bar).toHaveAttribute(
    'data-tip',
    /^corporate: baseline €[\d,]+\.\d m, scenario €[\d,]+\.\d m(; \d+ anomal(y|ies))?$/,
  );
  const tip = await bar.evaluate((el) => getComputedStyle(el, '::after').content);
  expect(tip).toContain('corporate: baseline €');
  // The liquidity and large-exposure bars have theirs too, one per row.
  const liquidity = page.locator('.chart-body:has([data-testid="chart-liquidity"]) .row-target');
  await expect(liquidity).toHaveCount(10);
  await expect(liquidity.first()).toHaveAttribute('data-tip', /^HQLA level 1: €[\d,]+\.\d m$/);
  const largest = page.locator('.chart-body:has([data-testid="chart-large"]) .row-target').first();
  await expect(largest).toHaveAttribute('data-tip', /^GRP-ATLAS: [\d.]+ % of Tier 1 \(€[\d,]+\.\d m\), limit 25\.00 %$/);
  await bar.click();
  await expect(page.getByTestId('drill-total')).toContainText(`${expected} lines`);
  await expect(page.getByTestId('drill-lines').locator('tbody tr').first()).toContainText('corporate');
  await expect(page.getByRole('group', { name: 'Exposure class' }).getByRole('button', { name: 'corporate', exact: true })).toHaveClass(/chip-on/);
  await expect(page.getByTestId('drill-lines')).toBeInViewport();

  // The chart as drawn now, saved as an SVG file.
  const saving = page.waitForEvent('download');
  await page.getByTestId('download-rwa-by-class').click();
  const download = await saving;
  expect(download.suggestedFilename()).toBe('rwa-by-class.svg');
  const file = readFileSync((await download.path())!, 'utf8');
  expect(file.startsWith('<svg')).toBe(true);
  expect(file).toContain('corporate');

  // And as a PNG image the browser paints from it, at twice its size.
  const painting = page.waitForEvent('download');
  await page.getByTestId('download-rwa-by-class-png').click();
  const png = await painting;
  expect(png.suggestedFilename()).toBe('rwa-by-class.png');
  const image = readFileSync((await png.path())!);
  expect(image.subarray(1, 4).toString('latin1')).toBe('PNG');
  const [width, height] = [image.readUInt32BE(16), image.readUInt32BE(20)];
  expect(svgSize(file)).toEqual([width / 2, height / 2]);
  // Not a blank canvas: a white image compresses to almost nothing.
  expect(image.length).toBeGreaterThan(10_000);
});

/// The width and height an SVG declares.
function svgSize(svg: string): number[] {
  const open = svg.slice(0, svg.indexOf('>'));
  return ['width', 'height'].map((a) => Number(new RegExp(`${a}="(\\d+)"`).exec(open)![1]));
}

test('a line edited in the table moves the figures; the levers become a new version', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await createDemoSimulation(page, 'Versioned');
  await expect(page.getByLabel(/CET1 capital action/)).toBeEnabled();
  const baseline = engineCet1([]);
  await expect(page.getByTestId('metric-cet1')).toHaveText(baseline);

  await page.getByLabel('Line id contains').fill('L-0000010');
  await expect(page.getByTestId('drill-total')).toContainText('1 lines');
  const row = page.locator('tr[data-line="L-0000010"]');
  const rwaBefore = await row.getByTestId('scenario-rwa').textContent();
  await row.getByRole('button', { name: 'Edit' }).click();
  const editor = page.getByTestId('line-editor');
  await editor.getByLabel('New value').fill('-5');
  await editor.getByRole('button', { name: 'Apply to the scenario' }).click();
  await expect(editor.getByRole('alert')).toContainText('drawn');
  await expect(page.getByTestId('metric-cet1')).toHaveText(baseline);
  await editor.getByLabel('New value').fill('250000000');
  await editor.getByRole('button', { name: 'Apply to the scenario' }).click();
  await expect(page.getByTestId('line-edits')).toContainText('L-0000010 drawn = 250000000');
  const expected = engineCet1([{ op: 'set_line', id: 'L-0000010', field: 'drawn', value: 250000000 }]);
  expect(expected).not.toBe(baseline);
  await expect(page.getByTestId('metric-cet1')).toHaveText(expected);
  await expect(row.getByTestId('scenario-rwa')).not.toHaveText(rwaBefore!);

  await page.getByLabel('Why this version (optional)').fill('Bigger loan to L-10');
  await page.getByRole('button', { name: 'Save the levers as version 2' }).click();
  await expect(page.getByTestId('version-line')).toContainText('Version 2 of 2');
  await hydrated(page);
  await expect(page.getByTestId('metric-cet1')).toHaveText(expected);
  const versions = page.getByTestId('versions').locator('tbody tr');
  await expect(versions).toHaveCount(2);
  await expect(versions.first()).toContainText('Bigger loan to L-10');
  await expect(versions.first()).toContainText(expected);
  await expect(page.getByTestId('chart-trend')).toContainText('v2');

  await page.getByTestId('versions').getByRole('link', { name: '1', exact: true }).click();
  await expect(page.getByTestId('old-version')).toBeVisible();
  await expect(page.getByTestId('metric-cet1')).toHaveText(baseline);
  await expect(page.getByRole('button', { name: 'Save scenario' })).toHaveCount(0);
});

test('a CET1 pushed under its target gets a plan whose figures the levers reproduce, and undo takes it back', async ({ page }) => {
  await logIn(page, 'analyst@prudentia.example');
  await openDemo(page);
  await page.getByLabel(/CET1 capital action/).fill('-1500');
  const pushed = engineCet1([{ op: 'add_capital', tier: 'cet1', label: 'What-if capital action', amount: -1500e6 }]);
  await expect(page.getByTestId('metric-cet1')).toHaveText(pushed);
  await page.getByLabel(/CET1 capital action/).blur();

  // The analyst's own CET1 target for this simulation, kept on the server.
  const panel = page.getByTestId('suggestions');
  await panel.getByLabel('CET1 (%)').fill('12');
  await panel.getByRole('button', { name: 'Save targets' }).click();
  await expect(panel.getByLabel('CET1 (%)')).toHaveAttribute('value', '12.00');
  await panel.getByTestId('suggest-plan').click();
  await expect(panel.getByTestId('plan-summary')).toContainText('action(s) for');
  await expect(panel.getByTestId('suggest-time')).toContainText('Planned in the browser');
  const cet1Row = panel.getByTestId('plan-ratios').locator('tr[data-ratio="cet1"]');
  const [after, target] = (await cet1Row.locator('td').allTextContents()).slice(1);
  expect(target).toBe('12.00 %');
  expect(parseFloat(after)).toBeGreaterThanOrEqual(parseFloat(target));
  expect(parseFloat(pushed)).toBeLessThan(parseFloat(target));
  await expect(panel.getByTestId('plan-prices')).toContainText('One more basis point of CET1 costs');

  await panel.getByTestId('save-plan').getByRole('button', { name: 'Save as scenario' }).click();
  await expect(panel.getByTestId('save-plan')).toContainText('Saved.');

  // Applied, the levers compute what the plan said; undo returns.
  await panel.getByTestId('apply-plan').click();
  await expect(page.getByTestId('metric-cet1')).toHaveText(after);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('metric-cet1')).toHaveText(pushed);
});
