import { expect, type Page } from '@playwright/test';

/// Waits until the page's WASM has taken over the server's HTML.
export async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/// Creates a simulation of the demo bank named `prefix` and a timestamp,
/// opens its dashboard, and returns the name.
export async function createDemoSimulation(page: Page, prefix: string): Promise<string> {
  await page.goto('/app/simulations');
  await hydrated(page);
  const name = `${prefix} ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create simulation' }).click();
  await page.getByRole('link', { name: 'Open the dashboard' }).click();
  await hydrated(page);
  return name;
}

/// Logs in with the demo password and waits for the workspace.
export async function logIn(page: Page, email: string) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('prudentia-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/app$/);
}
