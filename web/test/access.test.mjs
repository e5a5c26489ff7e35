// Access as a consumer and an owner live it, and a policy's refusal shown
// with the policies it violated.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {BASE, clean, launch, newPage, ok, rest, shot, signIn, texts,
        tokenFor, url, waitCount, go} from './harness.mjs';

const PORT = 'domains/sales/dataProducts/customers/outputPorts/customers-v1';
let browser;
let consumer;
let owner;

before(async () => {
  browser = await launch();
  // Requests for the customers port wait for its owners; a purpose that
  // mentions reselling is refused outright. (A condition states what must
  // hold: the policy applies where it is false.)
  for (const [id, effect, condition, message] of [
    ['web-e2e-customers-approval', 'POLICY_EFFECT_REQUIRE_APPROVAL',
     'request.output_port != "customers-v1"',
     'customer data is approved by its owners'],
    ['web-e2e-no-reselling', 'POLICY_EFFECT_DENY',
     '!has(request.purpose) || !request.purpose.contains("resell")',
     'data is never resold'],
  ]) {
    const r = await rest('POST', 'policies', {query: {policyId: id}, body: {
      displayName: id, owner: 'teams/platform', triggers: ['access.request'], condition, effect,
      enforcement: 'POLICY_ENFORCEMENT_ENFORCED', message}});
    assert.ok(r.status === 200 || r.status === 409, JSON.stringify(r.body));
  }
  consumer = (await tokenFor('user:carla@example.com')).secret;
  owner = (await tokenFor('user:ana@example.com')).secret;
});
after(async () => {
  await browser?.close();
});

async function openRequestForm(page) {
  await go(page, `/products/sales/customers`);
  await page.waitForSelector('[data-testid=request-access]');
  await page.click('[data-testid=request-access]');
  await page.waitForSelector('[data-testid=access-form]');
}

test('a refused request shows the policies it violates', async () => {
  const page = await newPage(browser);
  await signIn(page, consumer);
  await openRequestForm(page);
  await page.type('[data-testid=purpose]', 'resell to partners');
  await page.click('[data-testid=check-request]');
  await page.waitForSelector('[data-testid=violations]');
  const violations = await texts(page, '[data-testid=violations] li');
  assert.ok(violations.some((v) => v.includes('web-e2e-no-reselling') &&
                                   v.includes('data is never resold')),
            violations.join(' | '));
  assert.equal(await page.$('[data-testid=send-request]'), null,
               'nothing to send after a refusal');
  await shot(page, 'access-refused', {docs: true});
  // Nothing was filed.
  const mine = await ok('GET', 'accessRequests', {token: consumer,
      query: {filter: 'requester = "user:carla@example.com"'}});
  assert.equal((mine.accessRequests ?? []).length, 0);
  clean(page);
  await page.close();
});

test('consumer requests, owner approves in the inbox, grant appears',
     async () => {
  const page = await newPage(browser);
  await signIn(page, consumer);
  await openRequestForm(page);
  await page.type('[data-testid=purpose]', 'campaign attribution model');
  await page.click('[data-testid=check-request]');
  // The dry run says approval is needed; then the request is sent.
  await page.waitForSelector('[data-testid=preview]');
  assert.match(await page.$eval('[data-testid=preview]', (e) => e.textContent),
               /approve/);
  await page.click('[data-testid=send-request]');
  await page.waitForSelector('[data-testid=access-filed]');
  await go(page, `/access?tab=mine`);
  await page.waitForSelector('[data-testid=request-state]');
  assert.deepEqual(await texts(page, '[data-testid=request-state]'),
                   ['pending']);

  // The owner's inbox.
  const ownerPage = await newPage(browser);
  await signIn(ownerPage, owner, '/access?tab=inbox');
  await ownerPage.waitForSelector('[data-testid=inbox-item]');
  const item = await ownerPage.$eval('[data-testid=inbox-item]',
                                     (e) => e.textContent);
  assert.match(item, /user:carla@example\.com/);
  assert.match(item, /campaign attribution model/);
  await shot(ownerPage, 'access-inbox', {docs: true});
  await ownerPage.click('[data-testid=approve-days]', {clickCount: 3});
  await ownerPage.type('[data-testid=approve-days]', '10');
  await ownerPage.click('[data-testid=approve]');
  await ownerPage.waitForSelector('.empty');
  clean(ownerPage);
  await ownerPage.close();

  // The consumer's grant, for 10 days.
  await go(page, `/access?tab=grants`);
  await page.waitForSelector('[data-testid=grant]');
  const grants = await texts(page, '[data-testid=grant]');
  assert.ok(grants.some((g) => g.includes('customers/customers-v1') &&
                               g.includes('active')), grants.join(' | '));
  const listed = await ok('GET', 'grants', {token: consumer, query: {
    filter: `principal = "user:carla@example.com" AND output_port = "${PORT}"`}});
  const g = listed.grants[0];
  const days = (Date.parse(g.expireTime) - Date.parse(g.createTime)) / 864e5;
  assert.ok(Math.abs(days - 10) < 0.01, `granted for ${days} days`);
  await shot(page, 'access-grants');
  assert.match(await url(page), /tab=grants/);
  clean(page);
  await page.close();
});
