import { expect, test } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';
import { hydrated, logIn } from './pages';

type Received = { headers: IncomingHttpHeaders; body: string };

/// A receiver on loopback that answers 200 and keeps what it got.
async function receiver(): Promise<{ url: string; got: Received[]; close: () => void }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, got, close: () => server.close() };
}

/// The Standard Webhooks check a receiver runs.
function verifies(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`;
  const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  return String(r.headers['webhook-signature']).split(' ').includes(expected);
}

test('an admin adds a webhook endpoint, sends it a test event and reads the delivery in its log', async ({ page }) => {
  const rx = await receiver();
  try {
    await logIn(page, 'demo@prudentia.example');
    await page.goto('/app/webhooks');
    await hydrated(page);
    const form = page.getByTestId('new-webhook');
    await form.getByRole('button', { name: 'Add the endpoint' }).click();
    await expect(form.getByRole('alert').first()).toBeVisible();

    await form.getByLabel('Address (https://…)').fill(rx.url);
    await form.getByLabel('Description').fill('Workflow tool');
    await form.getByLabel(/A version is approved/).check();
    await form.getByRole('button', { name: 'Add the endpoint' }).click();
    const card = page.getByTestId('webhook').filter({ hasText: rx.url });
    await expect(card.getByTestId('webhook-health')).toHaveText('Healthy.');

    await card.getByRole('button', { name: 'Send a test event' }).click();
    await expect.poll(() => rx.got.length, { timeout: 10_000 }).toBe(1);
    await card.locator('summary', { hasText: 'Signing key' }).click();
    const secret = (await card.getByTestId('webhook-secret').textContent()) ?? '';
    expect(verifies(secret, rx.got[0])).toBe(true);
    expect(JSON.parse(rx.got[0].body).type).toBe('webhook.test');

    // The log shows the delivery once the list reloads.
    await page.reload();
    await hydrated(page);
    await card.getByRole('button', { name: 'Show the deliveries' }).click();
    const row = card.getByTestId('webhook-delivery').first();
    await expect(row).toContainText('webhook.test');
    await expect(row).toContainText('succeeded');
    await expect(row).toContainText('200 in');
    await expect(row).toContainText('thanks');

    await card.getByRole('button', { name: 'Turn off' }).click();
    await expect(card.getByTestId('webhook-health')).toHaveText('Turned off: turned off by an admin.');
    await expect(card.getByRole('button', { name: 'Send a test event' })).toBeDisabled();
  } finally {
    rx.close();
  }
});
