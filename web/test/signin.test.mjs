// Signing in and out, a refused token, and a session that ends under the
// user's feet (its token revoked): the next call sends them to sign-in.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {BASE, ADMIN, clean, launch, newPage, ok, shot, signIn, tokenFor,
        url} from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('signs in with a token into a session, and out again', async () => {
  const page = await newPage(browser);
  await page.goto(BASE, {waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=token]');
  await shot(page, 'signin', {docs: true});
  await page.type('[data-testid=token]', ADMIN);
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('[data-testid=principal]');
  assert.equal(await page.$eval('[data-testid=principal]',
                                (e) => e.textContent), 'user:admin');
  // The session cookie: HttpOnly (no script reads it), SameSite=Strict.
  const cookies = await page.cookies();
  const session = cookies.find((c) => c.name === 'mp_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.ok(!session.value.includes(ADMIN));
  // The token is in no URL, no storage and no readable cookie.
  assert.ok(!page.url().includes(ADMIN));
  const stored = await page.evaluate(() => JSON.stringify(
      [Object.entries(localStorage), Object.entries(sessionStorage),
       document.cookie]));
  assert.ok(!stored.includes(ADMIN), 'token not kept by the page');
  assert.ok(!stored.includes('mp_session'), 'cookie unreadable by scripts');
  // A reload keeps the session.
  await page.goto(`${BASE}/domains`, {waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=principal]');

  await page.click('[data-testid=sign-out]');
  await page.waitForSelector('[data-testid=signed-out]');
  assert.match(await url(page), /^\/signin/);
  await page.goto(`${BASE}/domains`, {waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=token]');
  // Signed out on the server: the old cookie opens nothing.
  const replay = await fetch(`${BASE}/v1/callerIdentity`,
                             {headers: {Cookie: `mp_session=${session.value}`}});
  assert.equal(replay.status, 401);
  clean(page);
  await page.close();
});

test('a write without the session\'s CSRF token is refused', async () => {
  const page = await newPage(browser);
  await signIn(page, ADMIN);
  const statuses = await page.evaluate(async () => {
    const write = (headers) => fetch(
        '/v1/teams?teamId=csrf-probe&validateOnly=true',
        {method: 'POST', credentials: 'same-origin', body: '{}',
         headers: {'Content-Type': 'application/json', ...headers}})
        .then(async (r) => [r.status, (await r.json()).error?.message ?? '']);
    const read = await fetch('/v1/callerIdentity',
                             {credentials: 'same-origin'});
    const session = await (await fetch('/auth/session')).json();
    return {read: read.status, without: await write({}),
            wrong: await write({'X-CSRF-Token': 'guess'}),
            right: await write({'X-CSRF-Token': session.csrfToken})};
  });
  assert.equal(statuses.read, 200, 'reads need no CSRF token');
  assert.equal(statuses.without[0], 403);
  assert.match(statuses.without[1], /X-CSRF-Token/);
  assert.equal(statuses.wrong[0], 403);
  assert.equal(statuses.right[0], 200, JSON.stringify(statuses.right));
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

test('a session whose token is revoked ends: sent to sign-in, then back',
     async () => {
  const {secret, name} = await tokenFor('user:erin@example.com');
  const page = await newPage(browser);
  await signIn(page, secret, '/domains');
  assert.equal(await url(page), '/domains');
  await page.waitForSelector('[data-testid=domain]');
  await page.waitForNetworkIdle({idleTime: 100});
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
