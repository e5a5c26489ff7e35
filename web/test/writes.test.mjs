// The catalog's writes: a data product created and edited from its
// descriptor (read back with the CLI), published and deprecated by its
// owners with a policy's refusal shown, and API tokens made and revoked by
// a user who is not an admin.
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {after, before, test} from 'node:test';
import {parse} from 'yaml';
import {BASE, clean, go, launch, newPage, ok, rest, shot, signIn, texts,
        tokenFor} from './harness.mjs';
import {assertAxeClean, assertNoSidewaysScroll} from './a11y.mjs';

const run = promisify(execFile);
const NAME = 'domains/sales/dataProducts/web-returns';
let browser;
let ana;    // sales-eng: owns the sales domain's products
let carla;  // marketing-analytics: owns none of them

before(async () => {
  browser = await launch();
  for (const [id, triggers, effect, condition, message] of [
    // A product without tags is hard to find: a warning, not a refusal.
    ['web-e2e-products-have-tags',
     ['dataproduct.create', 'dataproduct.update'], 'POLICY_EFFECT_WARN',
     'size(resource.tags) > 0', 'tag a product so that it can be found'],
    ['web-e2e-no-scratch', ['dataproduct.create', 'dataproduct.update'],
     'POLICY_EFFECT_DENY',
     '!has(resource.description) || !resource.description.contains("scratch")',
     'scratch data does not belong in the catalog'],
    // Deprecation gives three months' notice (docs/policy-language.md).
    ['web-e2e-deprecation-notice', ['dataproduct.lifecycle'],
     'POLICY_EFFECT_DENY',
     'resource.lifecycle != "DEPRECATED" || has(resource.sunset_time) && ' +
         'resource.sunset_time - now >= duration("2160h")',
     'deprecation gives consumers three months of notice'],
  ]) {
    const r = await rest('POST', 'policies', {query: {policyId: id}, body: {
      displayName: id, owner: 'teams/platform', triggers, condition, effect,
      enforcement: 'POLICY_ENFORCEMENT_ENFORCED', message}});
    assert.ok(r.status === 200 || r.status === 409, JSON.stringify(r.body));
  }
  ana = (await tokenFor('user:ana@example.com')).secret;
  carla = (await tokenFor('user:carla@example.com')).secret;
});
after(async () => {
  await browser?.close();
});

// Replaces the descriptor's text as a user's edit does (an input event).
async function setDescriptor(page, text) {
  await page.$eval('[data-testid=descriptor]', (e, t) => {
    e.value = t;
    e.dispatchEvent(new Event('input', {bubbles: true}));
  }, text);
}

async function cliGet(name, token) {
  const {stdout} = await run(process.env.MESHPLANE_CLI,
                             ['product', 'get', name, '-o', 'yaml'], {
    env: {...process.env, MESHPLANE_ADDR: process.env.MESHPLANE_ADDR,
          MESHPLANE_TOKEN: token}});
  return parse(stdout);
}

const CREATE = `apiVersion: meshplane.dev/v1
kind: DataProduct
metadata:
  name: web-returns
  domain: sales
  labels:
    source-system: shop
spec:
  displayName: Returns
  description: Every returned order line, with its reason.
  ownerTeam: sales-eng
  tier: 2
  classification: internal
  outputPorts:
    - id: returns-v1
      displayName: Returns (table)
      type: table
      server: postgres://warehouse.example.com:5432/sales
      location: sales.returns_v1
      description: One row per returned line.
      objectives:
        availabilityPercent: 99.5
        maxStaleness: 1h30m
        latency: 250ms
  inputPorts:
    - id: orders
      source: domains/sales/dataProducts/orders/outputPorts/orders-v1
      description: The lines that were returned.
`;

test('a product created from its descriptor reads back from the CLI',
     async () => {
  const page = await newPage(browser);
  await signIn(page, ana, '/domains');
  await page.waitForSelector('[data-testid=new-product]');
  await page.click('[data-testid=new-product]');
  await page.waitForSelector('[data-testid=descriptor]');
  assert.equal(await page.$eval('label[for=descriptor]',
                                (e) => e.textContent), 'Descriptor (YAML)');
  await assertAxeClean(page, '/products/new');

  // A YAML syntax error names its line and column.
  await setDescriptor(page, 'apiVersion: meshplane.dev/v1\nkind: DataProduct: x\n');
  await page.click('[data-testid=check-descriptor]');
  await page.waitForSelector('[data-testid=parse-errors]');
  assert.match(await page.$eval('[data-testid=parse-errors]',
                                (e) => e.textContent), /Line 2, column 7/);
  // So does a field the format does not know, with its path.
  await setDescriptor(page, CREATE.replace('  tier: 2\n',
                                           '  tier: 2\n  teir: 3\n'));
  await page.click('[data-testid=check-descriptor]');
  await page.waitForFunction(() => document.querySelector(
      '[data-testid=parse-errors]')?.textContent.includes('teir'));
  assert.match(await page.$eval('[data-testid=parse-errors]',
                                (e) => e.textContent),
               /Line 13, column 3: spec\.teir: unknown field/);
  await shot(page, 'descriptor-error');

  // A policy's refusal, as the API explains it; nothing is written.
  await setDescriptor(page, CREATE.replace('with its reason', 'scratch copy'));
  await page.click('[data-testid=check-descriptor]');
  await page.waitForSelector('[data-testid=violations]');
  const refused = await texts(page, '[data-testid=violations] li');
  assert.ok(refused.some((v) => v.includes('web-e2e-no-scratch') &&
                                v.includes('scratch data does not belong')),
            refused.join(' | '));
  assert.equal(await page.$('[data-testid=save-descriptor]'), null);
  assert.equal((await rest('GET', NAME)).status, 404);

  // Allowed with a warning (no tags): shown before the write.
  await setDescriptor(page, CREATE);
  await page.click('[data-testid=check-descriptor]');
  await page.waitForSelector('[data-testid=preview]');
  const warnings = await texts(page, '[data-testid=warnings] li');
  assert.ok(warnings.some((w) => w.includes('web-e2e-products-have-tags')),
            warnings.join(' | '));
  assert.equal((await rest('GET', NAME)).status, 404, 'validateOnly wrote');
  await shot(page, 'descriptor-new', {docs: true});
  await page.click('[data-testid=save-descriptor]');
  await page.waitForSelector('[data-testid=descriptor-saved]');

  // The CLI, as a user runs it, prints the same fields.
  const got = await cliGet('sales/web-returns', ana);
  const sent = parse(CREATE);
  assert.deepEqual(got.metadata, sent.metadata);
  assert.deepEqual(got.spec, {...sent.spec, lifecycle: 'draft'});

  // Edit: the descriptor as YAML, a change, the write.
  await page.click('[data-testid=open-product]');
  await page.waitForSelector('[data-testid=edit-product]');
  await page.click('[data-testid=edit-product]');
  await page.waitForSelector('[data-testid=descriptor]');
  const shown = await page.$eval('[data-testid=descriptor]', (e) => e.value);
  assert.deepEqual(parse(shown).spec, got.spec, 'the edit page shows the ' +
                   'descriptor the CLI prints');
  await assertAxeClean(page, 'edit');
  const edited = shown.replace('tier: 2', 'tier: 3')
      .replace('with its reason.', 'with its reason. <b>bold?</b>')
      .replace('spec:\n', 'spec:\n  tags:\n    - returns\n');
  assert.notEqual(edited, shown);
  await setDescriptor(page, edited);
  await page.click('[data-testid=check-descriptor]');
  await page.waitForSelector('[data-testid=preview]');
  assert.equal(await page.$('[data-testid=warnings]'), null, 'tagged now');
  await page.click('[data-testid=save-descriptor]');
  await page.waitForSelector('[data-testid=descriptor-saved]');
  const again = await cliGet('sales/web-returns', ana);
  assert.deepEqual(again.spec, parse(edited).spec);
  // A user string is text on the product page.
  await page.click('[data-testid=open-product]');
  await page.waitForSelector('[data-testid=product-title]');
  assert.equal(await page.$('main b'), null);
  assert.equal(await page.$eval('[data-testid=description]',
                                (e) => e.textContent),
               'Every returned order line, with its reason. <b>bold?</b>');
  clean(page);
  await page.close();
});

test("a descriptor's lifecycle is reached after the write", async () => {
  const page = await newPage(browser);
  await signIn(page, ana, '/products/new?domain=sales');
  await page.waitForSelector('[data-testid=descriptor]');
  // The template starts in the domain asked for, with the caller's team.
  const start = parse(await page.$eval('[data-testid=descriptor]',
                                       (e) => e.value));
  assert.equal(start.metadata.domain, 'sales');
  assert.equal(start.spec.ownerTeam, 'sales-eng');
  const text = CREATE.replace('name: web-returns', 'name: web-refunds')
      .replace('spec:\n', 'spec:\n  lifecycle: published\n  tags: [refunds]\n')
      .replace(/  inputPorts:[\s\S]*$/, '');
  await setDescriptor(page, text);
  await page.click('[data-testid=check-descriptor]');
  await page.waitForSelector('[data-testid=preview]');
  assert.match(await page.$eval('[data-testid=preview]', (e) => e.textContent),
               /then be published/);
  await page.click('[data-testid=save-descriptor]');
  await page.waitForSelector('[data-testid=descriptor-saved]');
  const got = await cliGet('sales/web-refunds', ana);
  assert.deepEqual(got.spec, parse(text).spec);
  assert.equal(got.spec.lifecycle, 'published');
  // A target a policy refuses: the product is written, the step refused
  // is named with its policy.
  await go(page, '/products/new');
  await page.waitForSelector('[data-testid=descriptor]');
  const old = text.replace('name: web-refunds', 'name: web-refunds-old')
      .replace('lifecycle: published', 'lifecycle: deprecated');
  await setDescriptor(page, old);
  await page.click('[data-testid=check-descriptor]');
  await page.waitForSelector('[data-testid=preview]');
  await page.click('[data-testid=save-descriptor]');
  await page.waitForSelector('[data-testid=violations]');
  assert.match(await page.$eval('[data-testid=error]', (e) => e.textContent),
               /Created, but the lifecycle step after it was refused/);
  assert.match(await page.$eval('[data-testid=violations]',
                                (e) => e.textContent),
               /web-e2e-deprecation-notice/);
  assert.equal((await cliGet('sales/web-refunds-old', ana)).spec.lifecycle,
               'published');

  // Creating it again is refused in plain words.
  await go(page, '/products/new');
  await page.waitForSelector('[data-testid=descriptor]');
  await setDescriptor(page, text);
  await page.click('[data-testid=check-descriptor]');
  await page.waitForSelector('[data-testid=error]');
  assert.match(await page.$eval('[data-testid=error]', (e) => e.textContent),
               /exists: edit it instead/);
  clean(page);
  await page.close();
});

test('owners publish and deprecate; a policy refusal is shown', async () => {
  const page = await newPage(browser);
  await signIn(page, ana, '/products/sales/web-returns');
  await page.waitForSelector('[data-testid=publish]');
  await page.click('[data-testid=publish]');
  await page.waitForSelector('[data-testid=lifecycle-preview]');
  assert.equal((await ok('GET', NAME)).lifecycle, 'LIFECYCLE_DRAFT',
               'the dry run changed nothing');
  await page.click('[data-testid=confirm-lifecycle]');
  await page.waitForFunction(() => document.querySelector(
      '[data-testid=lifecycle]')?.textContent.startsWith('published'));

  // Deprecating without three months' notice is refused, with the policy.
  await page.waitForSelector('[data-testid=deprecate]');
  await page.click('[data-testid=deprecate]');
  await page.waitForSelector('[data-testid=violations]');
  const refused = await texts(page, '[data-testid=violations] li');
  assert.ok(refused.some((v) => v.includes('web-e2e-deprecation-notice') &&
                                v.includes('three months')),
            refused.join(' | '));
  assert.equal(await page.$('[data-testid=confirm-lifecycle]'), null);
  await assertAxeClean(page, 'lifecycle refusal');
  await shot(page, 'lifecycle-refused', {docs: true});
  // With a sunset date four months away it is allowed.
  const sunset = new Date(Date.now() + 120 * 864e5).toISOString().slice(0, 10);
  await page.$eval('[data-testid=sunset]', (e, v) => {
    e.value = v;
    e.dispatchEvent(new Event('input', {bubbles: true}));
  }, sunset);
  await page.click('[data-testid=check-lifecycle]');
  await page.waitForSelector('[data-testid=lifecycle-preview]');
  await page.click('[data-testid=confirm-lifecycle]');
  await page.waitForFunction(() => document.querySelector(
      '[data-testid=lifecycle]')?.textContent.startsWith('deprecated'));
  const p = await ok('GET', NAME);
  assert.equal(p.lifecycle, 'LIFECYCLE_DEPRECATED');
  assert.equal(p.sunsetTime.slice(0, 10), sunset);
  // And the last step.
  await page.waitForSelector('[data-testid=retire]');
  await page.click('[data-testid=retire]');
  await page.waitForSelector('[data-testid=lifecycle-preview]');
  await page.click('[data-testid=confirm-lifecycle]');
  await page.waitForFunction(() => document.querySelector(
      '[data-testid=lifecycle]')?.textContent.startsWith('retired'));
  assert.equal(await page.$('[data-testid=lifecycle-actions]'), null);
  clean(page);
  await page.close();

  // Someone outside the owner team is offered none of it.
  const other = await newPage(browser);
  await signIn(other, carla, '/products/sales/web-returns');
  await other.waitForSelector('[data-testid=product-title]');
  assert.equal(await other.$('[data-testid=edit-product]'), null);
  assert.equal(await other.$('[data-testid=lifecycle-actions]'), null);
  clean(other);
  await other.close();
});

test('a user who is not an admin makes and revokes their own token',
     async () => {
  const page = await newPage(browser);
  await signIn(page, carla, '/teams');
  await page.waitForSelector('[data-testid=create-token]');
  await page.click('[data-testid=create-token]');
  await page.waitForSelector('[data-testid=token-form]');
  await assertAxeClean(page, '/teams, token form');
  await page.type('[data-testid=token-description]', 'notebook <i>x</i>');
  await page.select('[data-testid=token-expiry]', '7');
  await page.click('[data-testid=submit-token]');
  await page.waitForSelector('[data-testid=token-secret]');
  const secret = await page.$eval('[data-testid=token-secret]',
                                  (e) => e.value);
  assert.match(secret, /^mp_/);
  await page.click('[data-testid=copy-secret]');
  await page.waitForFunction(() => document.querySelector(
      '[data-testid=copied]')?.textContent !== '');
  await assertAxeClean(page, '/teams, new secret');
  await shot(page, 'token-created');
  // The documentation's picture shows no secret, even a dead one: the
  // field is masked for it alone.
  await page.$eval('[data-testid=token-secret]',
                   (e) => e.value = e.value.replace(/_[a-z0-9]+$/, '_' +
                                                   '•'.repeat(32)));
  await shot(page, 'token-created', {docs: true});

  // The new token authenticates a REST call as carla.
  const who = await ok('GET', 'callerIdentity', {token: secret});
  assert.equal(who.principal, 'user:carla@example.com');
  // Listed with its description (as text) and a 7-day expiry.
  const mine = (await ok('GET', 'tokens', {token: secret})).tokens
      .filter((t) => t.description === 'notebook <i>x</i>');
  assert.equal(mine.length, 1);
  const days = (Date.parse(mine[0].expireTime) -
                Date.parse(mine[0].createTime)) / 864e5;
  assert.ok(Math.abs(days - 7) < 0.01, `expires after ${days} days`);
  assert.equal(await page.$('main i'), null);

  // The secret is in no storage the page can read, and gone once closed.
  const stored = await page.evaluate(() => JSON.stringify(
      [Object.entries(localStorage), Object.entries(sessionStorage),
       document.cookie]));
  assert.ok(!stored.includes(secret), stored);
  await page.click('[data-testid=token-done]');
  await page.waitForSelector('[data-testid=create-token]');
  assert.ok(!(await page.content()).includes(secret));
  await page.reload({waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=tokens]');
  assert.ok(!(await page.content()).includes(secret));

  // Revoke, after a confirmation.
  const row = `[data-testid=token][data-name="${mine[0].name}"]`;
  await page.click(`${row} [data-testid=revoke]`);
  await page.waitForSelector(`${row} [data-testid=confirm-revoke]`);
  assert.equal((await rest('GET', 'callerIdentity', {token: secret})).status,
               200, 'nothing revoked before the confirmation');
  await page.click(`${row} [data-testid=confirm-revoke]`);
  await page.waitForFunction((s) => document.querySelector(s)
      ?.textContent.trim() !== '', {}, `${row} [data-testid=revoked]`);
  assert.equal((await rest('GET', 'callerIdentity', {token: secret})).status,
               401);
  clean(page);
  await page.close();
});

test('the new pages hold at 400 px', async () => {
  const page = await newPage(browser, {width: 400, height: 800});
  await signIn(page, ana, '/products/new');
  for (const path of ['/products/new', '/products/sales/web-returns/edit',
                      '/products/sales/orders', '/teams']) {
    await go(page, path);
    await page.waitForSelector('main h1');
    await page.waitForFunction(() => !document.querySelector('.loading'));
    await assertNoSidewaysScroll(page, path);
  }
  await page.click('[data-testid=create-token]');
  await page.waitForSelector('[data-testid=token-form]');
  await assertNoSidewaysScroll(page, '/teams, token form');
  await shot(page, 'teams-narrow');
  clean(page);
  await page.close();
  assert.ok(BASE);
});
