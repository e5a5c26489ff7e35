// Signing in and out, a refused token, and a session that ends under the
// user's feet (its token revoked): the next call sends them to sign-in.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {BASE, ADMIN, clean, launch, newPage, ok, shot, signIn, tokenFor,
        url} from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('signs in with a token and out again', async () => {
  const page = await newPage(browser);
  await page.goto(BASE, {waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=token]');
  await shot(page, 'signin', {docs: true});
  await page.type('[data-testid=token]', ADMIN);
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('[data-testid=principal]');
  assert.equal(await page.$eval('[data-testid=principal]',
                                (e) => e.textContent), 'user:admin');
  // The token is in no URL and no storage.
  assert.ok(!page.url().includes(ADMIN));
  const stored = await page.evaluate(() => JSON.stringify(
      [Object.entries(localStorage), Object.entries(sessionStorage),
       document.cookie]));
  assert.ok(!stored.includes(ADMIN), 'token kept in memory only');

  await page.click('[data-testid=sign-out]');
  await page.waitForSelector('[data-testid=signed-out]');
  assert.match(await url(page), /^\/signin/);
  await page.goto(`${BASE}/domains`, {waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=token]');
  clean(page);
  await page.close();
});

test('a token Meshplane does not know is refused in plain words',
     async () => {
  const page = await newPage(browser);
  await page.goto(BASE, {waitUntil: 'networkidle0'});
  await page.type('[data-testid=token]', 'not-a-real-token');
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('[role=alert]');
  const alert = await page.$eval('[role=alert]', (e) => e.textContent);
  assert.match(alert, /does not accept this token/);
  assert.equal(await page.$('[data-testid=principal]'), null);
  clean(page);
  await page.close();
});

test('a session whose token is revoked is sent to sign-in, then back',
     async () => {
  const {secret, name} = await tokenFor('user:erin@example.com');
  const page = await newPage(browser);
  await signIn(page, secret, '/domains');
  assert.equal(await url(page), '/domains');
  await ok('POST', `${name}:revoke`, {body: {}});
  // The next call of the app gets 401: the app forgets the token.
  await page.click('a[href="/access"]');
  await page.waitForSelector('[data-testid=expired]');
  assert.match(await url(page), /^\/signin\?expired=1&next=%2Faccess/);
  // Signing in again returns to where the user was.
  await page.type('[data-testid=token]', ADMIN);
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('[data-testid=principal]');
  assert.match(await url(page), /^\/access/);
  clean(page);
  await page.close();
});
