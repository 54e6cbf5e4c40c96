import { expect, test } from '@playwright/test';
import { createDemoSimulation, hydrated, logIn } from './pages';

test('two people on one simulation see each other, and one sees the version the other saves without reloading', async ({ browser }) => {
  const analystContext = await browser.newContext();
  const adminContext = await browser.newContext();
  try {
    const analyst = await analystContext.newPage();
    await logIn(analyst, 'analyst@prudentia.example');
    await createDemoSimulation(analyst, 'Live');
    await expect(analyst.getByLabel(/CET1 capital action/)).toBeEnabled();

    const admin = await adminContext.newPage();
    await logIn(admin, 'demo@prudentia.example');
    await admin.goto(analyst.url());
    await hydrated(admin);
    await expect(admin.getByTestId('live-present')).toHaveText('Here now: Alex Analyst, Dana Admin');
    await expect(analyst.getByTestId('live-present')).toHaveText('Here now: Alex Analyst, Dana Admin');

    await analyst.getByLabel(/CET1 capital action/).fill('-100');
    await analyst.getByLabel(/CET1 capital action/).blur();
    await analyst.getByLabel('Why this version (optional)').fill('Dividend paid');
    await analyst.getByRole('button', { name: 'Save the levers as version 2' }).click();
    await expect(analyst.getByTestId('version-line')).toContainText('Version 2 of 2');
    const saved = Date.now();

    await expect(admin.getByTestId('live-news')).toContainText('Alex Analyst saved version 2.');
    // Reported, not asserted: Playwright's polling bounds it from above.
    console.log(`live: the other browser showed version 2 at most ${Date.now() - saved} ms after the saving one did`);
    await expect(admin.getByTestId('version-line')).toContainText('Version 1 of 1');
    await admin.getByTestId('live-open-latest').click();
    await expect(admin.getByTestId('version-line')).toContainText('Version 2 of 2');

    // The analyst leaves: the admin sees it.
    await analyst.close();
    await expect(admin.getByTestId('live-present')).toHaveText('Here now: Dana Admin');
  } finally {
    await analystContext.close();
    await adminContext.close();
  }
});
