import { expect, test } from '@playwright/test';
import { hydrated, logIn } from './pages';

test('an analyst creates an API token, a system uses it, the analyst revokes it', async ({ page, request }) => {
  await logIn(page, 'analyst@prudentia.example');
  await page.goto('/app/tokens');
  await hydrated(page);
  const name = `Nightly load ${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Scope').selectOption('read_write');
  await page.getByLabel('Expires after').selectOption('30');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('token-text').textContent()) ?? '';
  expect(token.split('.')).toHaveLength(3);

  // Another system, with no session: the token alone.
  const auth = { Authorization: `Bearer ${token}` };
  const me = await request.get('/api/v1/me', { headers: auth });
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ email: 'analyst@prudentia.example', role: 'analyst', scope: 'read_write' });
  const computed = await request.post('/api/v1/compute', {
    headers: auth,
    data: { data: { capital: [{ tier: 'cet1', amount: 120 }], exposures: [{ id: 'L-1', class: 'corporate', drawn: 1000, rating: 'A' }] } },
  });
  expect(computed.status()).toBe(200);
  expect((await computed.json()).ratios.cet1).toBeCloseTo(0.24, 6);

  // Shown once: after a reload only its row remains, used and active.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  const row = page.locator(`tr[data-token="${name}"]`);
  await expect(row.getByTestId('token-status')).toHaveText('Active');
  await expect(row).not.toContainText('Never');

  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row.getByTestId('token-status')).toHaveText('Revoked');
  const refused = await request.get('/api/v1/me', { headers: auth });
  expect(refused.status()).toBe(401);
  expect(refused.headers()['content-type']).toBe('application/problem+json');
});

test('the API documentation works without the internet', async ({ page, baseURL }) => {
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(baseURL ?? '') || url.startsWith('data:')) {
      return route.continue();
    }
    outside.push(url);
    return route.abort();
  });
  await page.goto('/api/v1/docs/');
  await expect(page.getByRole('heading', { name: /Prudentia API/ })).toBeVisible();
  await expect(page.getByText('/api/v1/simulations/{id}/versions/{version}/results')).toBeVisible();
  await page.getByRole('button', { name: /Authorize/ }).first().click();
  await expect(page.getByText(/\(http, Bearer\)/)).toBeVisible();
  expect(outside).toEqual([]);
});
