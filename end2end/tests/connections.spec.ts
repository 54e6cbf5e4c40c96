import { expect, test } from '@playwright/test';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { createDemoSimulation, hydrated, logIn } from './pages';

/// A file server on loopback, as a data warehouse's export address: it
/// serves `file` to requests with the right bearer token.
async function warehouse(file: Buffer): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    if (req.headers.authorization === 'Bearer dwh-token') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file);
    } else {
      res.writeHead(401).end('who are you?');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/exports/positions.xlsx`, close: () => server.close() };
}

test('an admin adds a scheduled import, tests it, runs it and reads its health and history', async ({ page }) => {
  await logIn(page, 'demo@prudentia.example');
  const name = await createDemoSimulation(page, 'Nightly');
  const workbook = await (await page.request.get('/api/imports/workbook.xlsx?demo=true')).body();
  const dwh = await warehouse(workbook);
  try {
    await page.goto('/app/connections');
    await hydrated(page);
    const form = page.getByTestId('new-connection');
    // Nothing filled in: each field says what it needs.
    await form.getByRole('button', { name: 'Add the connection' }).click();
    await expect(form.getByRole('alert').first()).toBeVisible();

    await form.getByLabel('Name').fill('Warehouse export');
    await form.getByLabel('Transport').selectOption('https');
    await form.getByLabel('Location').fill(dwh.url);
    await form.getByLabel('Authentication').selectOption('bearer');
    await form.getByLabel('Password, private key or token').fill('dwh-token');
    await form.getByLabel('Schedule (cron)').fill('30 6 * * 1-5');
    await form.getByLabel('Simulation').selectOption({ label: name });
    await form.getByRole('button', { name: 'Add the connection' }).click();

    const card = page.getByTestId('connection').filter({ hasText: 'Warehouse export' });
    await expect(card).toContainText('At 06:30');
    const row = page.getByTestId('connection-row').filter({ hasText: 'Warehouse export' });
    await expect(row.getByTestId('connection-status')).toHaveText('Not run yet');

    await card.getByRole('button', { name: 'Test connection' }).click();
    await expect(card.getByTestId('probe')).toContainText('newest is positions.xlsx');
    await card.getByRole('button', { name: 'Run now' }).click();
    await expect(row.getByTestId('connection-status')).toHaveText('Healthy');
    await card.getByRole('button', { name: 'Show the runs' }).click();
    const run = card.getByTestId('connection-run');
    await expect(run).toHaveAttribute('data-outcome', 'imported');
    await expect(run).toContainText('draft version 2 made');

    // The draft is the simulation's new version, never approved.
    await page.goto('/app/simulations');
    await expect(page.getByRole('row').filter({ hasText: name })).toContainText('2');
  } finally {
    dwh.close();
  }
});
