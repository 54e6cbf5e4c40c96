import { expect, test, type Browser, type Page } from '@playwright/test';
import { createDemoSimulation, hydrated, logIn as logInPage } from './pages';

/// A new browser context (its own session) logged in as `email`.
async function logIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await logInPage(page, email);
  return page;
}

test('an analyst submits, an admin approves, the analyst is told, the version is locked and audited', async ({ browser }) => {
  const analyst = await logIn(browser, 'analyst@prudentia.example');
  const errors: string[] = [];
  analyst.on('pageerror', (e) => errors.push(e.message));
  const name = await createDemoSimulation(analyst, 'Review');
  await expect(analyst.getByTestId('review-status')).toHaveText('Draft');
  await expect(analyst.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  await analyst.getByRole('button', { name: 'Submit for approval' }).click();
  await expect(analyst.getByTestId('review-status')).toHaveText('Submitted for approval');
  await expect(analyst.getByRole('button', { name: 'Approve' })).toHaveCount(0);

  // The admin hears of it, opens the version from the notification and approves.
  const admin = await logIn(browser, 'demo@prudentia.example');
  await admin.goto('/app/notifications');
  await hydrated(admin);
  const notice = admin.getByTestId('notifications').getByRole('link', { name: new RegExp(`Alex Analyst submitted version 1 of “${name}”`) });
  await expect(notice).toBeVisible();
  await notice.click();
  await hydrated(admin);
  await expect(admin.getByTestId('review-status')).toHaveText('Submitted for approval');
  await admin.getByLabel(/Add a comment/).fill('Looks right. @Alex Analyst thanks');
  await admin.getByRole('button', { name: 'Comment', exact: true }).click();
  await expect(admin.getByTestId('comments')).toContainText('Looks right.');
  await admin.getByRole('button', { name: 'Approve' }).click();
  await expect(admin.getByTestId('review-status')).toHaveText('Approved');
  await expect(admin.getByRole('button', { name: 'Send back to draft' })).toHaveCount(0);

  // The analyst sees the bell, the notification, and a locked version.
  await analyst.goto('/app/simulations');
  await hydrated(analyst);
  await expect(analyst.getByTestId('unread')).toBeVisible();
  await analyst.goto('/app/notifications');
  await hydrated(analyst);
  await expect(analyst.getByTestId('notifications')).toContainText(`Dana Admin approved version 1 of “${name}”`);
  await expect(analyst.getByTestId('notifications')).toContainText('Dana Admin mentioned you');
  await analyst.getByRole('button', { name: 'Mark all as read' }).click();
  await expect(analyst.getByTestId('unread-count')).toHaveText('0 unread');
  await analyst.getByTestId('notifications').getByRole('link', { name: /approved version 1/ }).click();
  await hydrated(analyst);
  await expect(analyst.getByTestId('review-status')).toHaveText('Approved');
  await expect(analyst.getByText('locked: a new version starts from it')).toBeVisible();
  await expect(analyst.getByRole('button', { name: 'Submit for approval' })).toHaveCount(0);

  // The audit page lists all of it, and the chain holds.
  await admin.goto(`/app/audit?target=${encodeURIComponent(name)}`);
  await hydrated(admin);
  await expect(admin.getByTestId('chain')).toContainText('Chain intact');
  const events = admin.getByTestId('audit-events');
  for (const action of ['simulation.created', 'version.submitted', 'version.commented', 'version.approved']) {
    await expect(events).toContainText(action);
  }
  await expect(events.locator('tbody tr')).toHaveCount(4);
  await admin.getByLabel('Action starts with').fill('version.approved');
  await admin.getByRole('button', { name: 'Search' }).click();
  await expect(events.locator('tbody tr')).toHaveCount(1);
  await expect(events).toContainText('Dana Admin <demo@prudentia.example>');
  const download = admin.waitForEvent('download');
  await admin.getByRole('link', { name: 'Download as CSV' }).click();
  const csv = await (await download).path();
  expect(csv).toBeTruthy();
  expect(errors).toEqual([]);
});
