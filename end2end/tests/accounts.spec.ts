import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { sql } from './db';

const PASSWORD = 'tide pools at dawn';

async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

function unique(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.example`;
}

async function signUp(page: Page, organisation: string, email: string) {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Organisation').fill(organisation);
  await page.getByLabel('Your name').fill('Alice Admin');
  await page.getByLabel('Work e-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page.getByTestId('signup-sent')).toContainText('Check your mailbox');
  // The organisation opens through the link mailed to the address.
  await page.goto(new URL(mailedLink(email, 'Confirm your e-mail', 'verify-email')).pathname);
  await hydrated(page);
  await page.getByRole('button', { name: 'Confirm and open Prudentia' }).click();
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.getByTestId('tenant-name')).toHaveText(organisation);
}

/** The link to `path` in the last mail queued for `recipient` whose subject starts so. */
function mailedLink(recipient: string, subject: string, path: string): string {
  const body = sql(
    `SELECT body_text FROM outbound_emails WHERE recipient = '${recipient}' ` +
      `AND subject LIKE '${subject}%' ORDER BY created_at DESC LIMIT 1`,
  );
  const link = body.match(new RegExp(`https?://\\S+/${path}/\\S+`));
  expect(link, `a ${path} link in: ${body}`).not.toBeNull();
  return link![0];
}

test('sign up, invite a viewer who accepts in another browser and only reads', async ({ page, browser }) => {
  const organisation = `Banque E2E ${Date.now()}`;
  const adminEmail = unique('admin');
  const viewerEmail = unique('viewer');
  await signUp(page, organisation, adminEmail);
  await expect(page.getByTestId('role')).toHaveText('Admin');

  await page.goto('/app/members');
  await hydrated(page);
  await page.getByLabel('E-mail').fill(viewerEmail);
  await page.locator('#invite-role').selectOption('viewer');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  const link = page.getByTestId('invitation-link');
  await expect(link).toBeVisible();
  const href = await link.getAttribute('href');
  expect(href).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId('invitations')).toContainText(viewerEmail);
  expect(sql(`SELECT count(*) FROM outbound_emails WHERE recipient = '${viewerEmail}'`)).toBe('1');
  mkdirSync('screenshots', { recursive: true });
  await page.screenshot({ path: 'screenshots/members-admin.png', fullPage: true });

  // The invited person, in a browser of their own.
  const other = await browser.newContext();
  const viewer = await other.newPage();
  await viewer.goto(new URL(href!).pathname);
  await hydrated(viewer);
  await expect(viewer.getByRole('heading', { level: 1 })).toHaveText(`Join ${organisation}`);
  await viewer.getByLabel('Your name').fill('Victor Viewer');
  await viewer.getByLabel('Choose a password').fill(PASSWORD);
  await viewer.getByRole('button', { name: 'Accept and continue' }).click();
  await expect(viewer).toHaveURL(/\/app$/);
  await expect(viewer.getByTestId('role')).toHaveText('Viewer');
  await expect(viewer.getByTestId('read-only')).toBeVisible();

  await viewer.goto('/app/members');
  await hydrated(viewer);
  const members = viewer.getByTestId('members');
  await expect(members).toContainText(adminEmail);
  await expect(members).toContainText(viewerEmail);
  await expect(viewer.getByRole('button', { name: 'Change role' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: 'Remove' })).toHaveCount(0);
  await expect(viewer.getByRole('heading', { name: 'Invite someone' })).toHaveCount(0);
  await viewer.goto('/app/organisation');
  await hydrated(viewer);
  await expect(viewer.getByTestId('quotas')).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Save limits' })).toHaveCount(0);
  await expect(viewer.getByTestId('anomaly-thresholds')).toContainText('2.50');
  await expect(viewer.getByRole('button', { name: 'Save thresholds' })).toHaveCount(0);
  expect(
    sql(`SELECT m.role FROM memberships m JOIN users u USING (user_id) WHERE u.email = '${viewerEmail}'`),
  ).toBe('viewer');

  // The link worked once.
  const third = await browser.newContext();
  const late = await third.newPage();
  await late.goto(new URL(href!).pathname);
  await expect(late.getByTestId('invitation-error')).toContainText('already been used');
  await other.close();
  await third.close();
});

test('repeated wrong passwords are throttled with a clear message', async ({ page }) => {
  const email = unique('throttle');
  await signUp(page, `Banque Throttle ${Date.now()}`, email);
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);
  for (let attempt = 1; attempt <= 4; attempt++) {
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(`wrong password ${attempt}`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.locator('#login-password-error')).toContainText('not correct');
  }
  await page.getByLabel('Password').fill('wrong password 5');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toContainText('Too many failed log-in attempts');
  // Even the right password waits now.
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toContainText('Please wait');
  await expect(page).toHaveURL(/\/login$/);
  // Every browser test comes from 127.0.0.1: lift the address's block.
  sql("DELETE FROM login_throttle WHERE throttle_key LIKE 'ip:%'");
});

test('a lost password is reset through the mailed link', async ({ page }) => {
  const email = unique('reset');
  await signUp(page, `Banque Reset ${Date.now()}`, email);
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Mail me a link' }).click();
  await expect(page.getByRole('status')).toContainText('If an account has this address');
  await page.goto(new URL(mailedLink(email, 'Reset your', 'reset-password')).pathname);
  await hydrated(page);
  await page.getByLabel('New password').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password was changed');
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/app$/);
});

test('the demo accounts printed at start-up log in with their roles', async ({ page }) => {
  for (const [email, role] of [
    ['demo@prudentia.example', 'Admin'],
    ['analyst@prudentia.example', 'Analyst'],
    ['viewer@prudentia.example', 'Viewer'],
  ]) {
    await page.goto('/login');
    await hydrated(page);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('prudentia-demo');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page).toHaveURL(/\/app$/);
    await expect(page.getByTestId('tenant-name')).toHaveText('Demo Bank');
    await expect(page.getByTestId('role')).toHaveText(role);
    await page.getByTestId('logout').click();
    await expect(page).toHaveURL(/\/login$/);
  }
});

test('an admin sets the anomaly thresholds, is told what a typo means, and puts the defaults back', async ({ page }) => {
  await signUp(page, `Banque Seuils ${Date.now()}`, unique('thresholds'));
  await page.goto('/app/organisation');
  await hydrated(page);
  const shown = page.getByTestId('anomaly-thresholds');
  await expect(shown).toContainText('z-score of 2.50');
  await expect(shown).toContainText('0.50 %');

  await page.getByLabel('Outlier threshold (modified z-score)').fill('three');
  await page.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(page.getByText('A number, such as 3.5.')).toBeVisible();

  await page.getByLabel('Outlier threshold (modified z-score)').fill('3,2');
  await page.getByLabel('Alert budget (% of lines)').fill('1');
  await page.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(shown).toContainText('z-score of 3.20 among its peers (set by an admin)');
  await expect(shown).toContainText('1.00 %');

  await page.getByTestId('reset-thresholds').click();
  await expect(shown).toContainText('z-score of 2.50 among its peers (the default');
});

test('an admin changes the actions a suggested plan may take, one row at a time', async ({ page }) => {
  await signUp(page, `Banque Actions ${Date.now()}`, unique('actions'));
  await page.goto('/app/organisation');
  await hydrated(page);
  const table = page.getByTestId('suggestion-actions');
  const at1 = table.locator('tr[data-action="issue_at1"]');
  await expect(at1).toContainText('8.0 % a year, up to 1.5 % of RWA');

  await at1.getByLabel('Cost of issue_at1').fill('seven');
  await at1.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('action-error')).toContainText('A number, such as 250.');

  await at1.getByLabel('Bound of issue_at1').fill('500');
  await at1.getByLabel('Cost of issue_at1').fill('7,5');
  await at1.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('action-error')).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  await expect(table.locator('tr[data-action="issue_at1"]').getByLabel('Bound of issue_at1')).toHaveValue('500');
  await expect(table.locator('tr[data-action="issue_at1"]').getByLabel('Cost of issue_at1')).toHaveValue('7.5');

  const cet1 = table.locator('tr[data-action="issue_cet1"]');
  await cet1.getByLabel('Use issue_cet1').uncheck();
  await cet1.getByRole('button', { name: 'Save' }).click();
  await expect(table.locator('tr[data-action="issue_cet1"]').getByLabel('Use issue_cet1')).not.toBeChecked();
  await page.reload();
  await expect(page.getByTestId('suggestion-actions').locator('tr[data-action="issue_cet1"]').getByLabel('Use issue_cet1')).not.toBeChecked();
});
