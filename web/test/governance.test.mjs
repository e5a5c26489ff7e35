// Contract versions and their diff, the governance page, and the axe-core
// accessibility check of the main pages.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {after, before, test} from 'node:test';
import {ADMIN, BASE, clean, launch, newPage, ok, shot, signIn, testdata,
        texts, go} from './harness.mjs';

const CONTRACT = '53581432-6c55-4ba2-a65f-72344a91553c';
let browser;
let page;
before(async () => {
  browser = await launch();
  page = await newPage(browser);
  for (const f of ['transactions-1.0.0.odcs.yaml',
                   'transactions-2.0.0-breaking.odcs.yaml']) {
    await ok('POST', 'contracts:publish', {body: {
      dataProduct: 'domains/sales/dataProducts/orders',
      yaml: testdata(`contract/${f}`)}});
  }
  await signIn(page, ADMIN);
});
after(async () => {
  await browser?.close();
});

test('a contract diff highlights its breaking change', async () => {
  await go(page, `/contracts/${CONTRACT}`);
  await page.waitForSelector('[data-testid=schema]');
  const schema = await page.$eval('[data-testid=schema]', (e) => e.textContent);
  assert.match(schema, /currency/);  // 2.0.0 is shown first
  await page.waitForSelector('[data-testid=diff]');
  const breaking = await texts(page, '[data-testid=breaking-change]');
  assert.ok(breaking.length >= 1, 'a breaking change is listed');
  assert.ok(breaking.some((b) => /amount|type/i.test(b)), breaking.join(' | '));
  const color = await page.$eval('[data-testid=breaking-change]',
                                 (e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(color, 'rgb(255, 255, 255)', 'highlighted');
  await shot(page, 'contract', {docs: true});
  clean(page);
});

test('governance lists policies with their code and checks compliance',
     async () => {
  await ok('POST', 'policies', {query: {policyId: 'web-e2e-tier-one'}, body: {
    displayName: 'Products are tier 1', owner: 'teams/platform',
    triggers: ['dataproduct.create'],
    condition: 'resource.tier == 1',
    effect: 'POLICY_EFFECT_WARN',
    enforcement: 'POLICY_ENFORCEMENT_DRY_RUN',
    message: 'tier 1 is expected'}}).catch(() => {});
  await go(page, `/governance`);
  await page.waitForSelector('[data-testid=policy]');
  const text = await page.$eval('[data-testid=policies]',
                                (e) => e.textContent);
  assert.match(text, /resource\.tier == 1/);
  assert.match(text, /dry run/);
  // Its compliance: the demo's tier-2 and tier-3 products do not comply.
  let mine;
  for (const c of await page.$$('[data-testid=policy]')) {
    if ((await c.evaluate((e) => e.textContent)).includes('web-e2e-tier-one')) {
      mine = c;
    }
  }
  assert.ok(mine, 'the policy is listed');
  await (await mine.$('[data-testid=simulate]')).click();
  await page.waitForSelector('[data-testid=noncompliant]');
  const off = await texts(page, '[data-testid=noncompliant] li');
  for (const p of ['campaign-attribution', 'emea-orders', 'revenue-forecast']) {
    assert.ok(off.some((o) => o.endsWith(`/dataProducts/${p}`)), off.join());
  }
  assert.ok(!off.some((o) => o.endsWith('/dataProducts/orders')));
  assert.match(await page.$eval('[data-testid=compliance]',
                                (e) => e.textContent), /do not\s+comply/);
  await page.waitForSelector('[data-testid=decision-log]');
  await shot(page, 'governance', {docs: true});
  clean(page);
});

test('the main pages have no serious axe-core finding', async () => {
  const require = createRequire(import.meta.url);
  const axe = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  for (const path of ['/search', '/products/sales/orders',
                      '/lineage/sales/orders', '/domains', '/access',
                      '/governance', '/teams', `/contracts/${CONTRACT}`]) {
    await go(page, `${path}`);
    await page.waitForSelector('[data-testid=principal]');
    await page.waitForSelector('main h1');
    await page.waitForFunction(() => !document.querySelector('.loading'));
    // Evaluated through the DevTools protocol, which the page's CSP does
    // not govern (an inline <script> would be refused).
    await page.evaluate(axe);
    const found = await page.evaluate(async () => {
      const r = await window.axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}});
      return r.violations.filter((v) => v.impact === 'serious' ||
                                        v.impact === 'critical')
          .map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
    });
    assert.deepEqual(found, [], path);
  }
  clean(page);
});
