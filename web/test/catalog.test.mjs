// Search with facets (the server's SearchDataProducts), the product page,
// lineage, domains, and user strings rendered as text.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {ADMIN, BASE, clean, launch, newPage, ok, rest, shot, signIn, texts,
        url, waitCount, go} from './harness.mjs';

const DEMO = ['Campaign attribution', 'Customers', 'EMEA orders', 'Orders',
              'Revenue', 'Revenue forecast'];

let browser;
let page;
before(async () => {
  browser = await launch();
  page = await newPage(browser);
  await signIn(page, ADMIN);
});
after(async () => {
  await browser?.close();
});

async function titles() {
  return (await texts(page, '[data-testid=result] h2')).sort();
}

test('search finds the demo products and facets narrow them', async () => {
  // The page asks the server's search, never for every product.
  const calls = [];
  const record = (r) => calls.push(new URL(r.url()).pathname);
  page.on('request', record);
  await go(page, `/search`);
  await page.waitForSelector('[data-testid=result]');
  const all = await titles();
  for (const name of DEMO) assert.ok(all.includes(name), name);
  // Facet counts come from the server: lifecycle over the whole catalog.
  const published = await page.$eval(
      '[data-testid=facet-lifecycle] input[value=published]',
      (e) => Number(e.closest('label').querySelector('.count').textContent));
  const listed = await rest('GET', 'dataProducts:search',
                            {query: {lifecycle: 'LIFECYCLE_PUBLISHED',
                                     pageSize: '1'}});
  assert.equal(published, Number(listed.body.totalSize));
  await shot(page, 'search', {docs: true});

  // Results as you type.
  await page.type('[data-testid=search]', 'revenue');
  await page.waitForFunction(() => document.querySelectorAll(
      '[data-testid=result]').length === 2);
  assert.deepEqual(await titles(), ['Revenue', 'Revenue forecast']);
  assert.equal(await url(page), '/search?q=revenue');
  assert.ok(calls.includes('/v1/dataProducts:search'), calls.join());
  // A facet narrows further: lifecycle draft.
  await page.click('[data-testid=facet-lifecycle] input[value=draft]');
  await waitCount(page, '[data-testid=result]', 1);
  assert.deepEqual(await titles(), ['Revenue forecast']);
  assert.equal(await url(page), '/search?q=revenue&lifecycle=draft');

  // The domain facet takes the subdomains along (sales-emea under sales).
  await go(page, `/search?domain=sales`);
  await waitCount(page, '[data-testid=result]', 3);
  assert.deepEqual(await titles(), ['Customers', 'EMEA orders', 'Orders']);
  await page.click('[data-testid=facet-tier] input[value="1"]');
  await page.waitForFunction(() => location.search.includes('tier=1'));
  await page.waitForFunction(() => [...document.querySelectorAll(
      '[data-testid=result]')].every((e) => e.textContent.includes('tier 1')));
  assert.ok((await titles()).length >= 1);
  await go(page, `/search?q=zzzz-nothing`);
  await page.waitForSelector('.empty');
  assert.match(await page.$eval('.empty', (e) => e.textContent),
               /No product matches/);
  page.off('request', record);
  assert.ok(!calls.some((c) => /\/dataProducts$/.test(c)), calls.join());
  clean(page);
});

test('a shared search URL shows the same results after sign-in',
     async () => {
  const fresh = await newPage(browser);
  await signIn(fresh, ADMIN, '/search?q=orders&domain=sales');
  await fresh.waitForSelector('[data-testid=result]');
  assert.equal(await url(fresh), '/search?q=orders&domain=sales');
  assert.equal(await fresh.$eval('[data-testid=search]', (e) => e.value),
               'orders');
  const found = (await texts(fresh, '[data-testid=result] h2')).sort();
  assert.deepEqual(found, ['EMEA orders', 'Orders']);
  clean(fresh);
  await fresh.close();
});

test('the product page shows ports, contract and service level', async () => {
  // An observation, so that the status has numbers.
  await ok('POST',
           'domains/-/dataProducts/-/outputPorts:reportObservations',
           {body: {observations: [{
             outputPort: 'domains/sales/dataProducts/orders/outputPorts/orders-v1',
             objective: 'OBJECTIVE_AVAILABILITY',
             observeTime: new Date().toISOString(), available: true}]}});
  await go(page, `/products/sales/orders`);
  await page.waitForSelector('[data-testid=product-title]');
  assert.equal(await page.$eval('[data-testid=product-title]',
                                (e) => e.textContent), 'Orders');
  const ports = await texts(page, '[data-testid=output-port] h3');
  assert.equal(ports.length, 2);
  const contracts = await texts(page, '[data-testid=contract]');
  assert.ok(contracts.some((c) => c !== 'none promised'), contracts.join());
  await page.waitForSelector('[data-testid=output-port] table[data-testid=slo]');
  const slo = await page.$eval('[data-testid=output-port] table[data-testid=slo]',
                               (e) => e.textContent);
  assert.match(slo, /availability/);
  assert.match(slo, /met|breached/);
  assert.match(slo, /%/);
  await shot(page, 'product', {docs: true});
  clean(page);
});

test('lineage draws the demo edges and opens a product on click',
     async () => {
  await go(page, `/lineage/sales/orders?depth=3`);
  await page.waitForSelector('[data-testid=lineage-graph]');
  // orders -> emea-orders, revenue, campaign-attribution; emea-orders ->
  // revenue; revenue -> revenue-forecast.
  await waitCount(page, '[data-testid=lineage-node]', 5);
  await waitCount(page, '[data-testid=lineage-edge]', 5);
  await shot(page, 'lineage', {docs: true});
  // Depth 1: the direct neighbours only.
  await page.select('[data-testid=depth]', '1');
  await waitCount(page, '[data-testid=lineage-edge]', 3);
  await waitCount(page, '[data-testid=lineage-node]', 4);
  // Click a node: its product opens.
  await page.click(
      '[data-testid=lineage-node][data-name="domains/finance/dataProducts/revenue"]');
  await page.waitForFunction(
      () => location.pathname === '/products/finance/revenue');
  await page.waitForSelector('[data-testid=product-title]');
  // Keyboard: focus a node and press Enter.
  await go(page, `/lineage/sales/orders?depth=1`);
  await page.waitForSelector('[data-testid=lineage-node]');
  await page.$eval(
      '[data-testid=lineage-node][data-name="domains/sales-emea/dataProducts/emea-orders"]',
      (e) => e.focus());
  await page.keyboard.press('Enter');
  await page.waitForFunction(
      () => location.pathname === '/products/sales-emea/emea-orders');
  clean(page);
});

test('domains show the tree with owners and products', async () => {
  await go(page, `/domains`);
  await page.waitForSelector('[data-testid=domain]');
  const text = await page.$eval('main', (e) => e.textContent);
  assert.match(text, /Sales EMEA/);
  assert.match(text, /owned by sales-eng/);
  // sales-emea is nested inside sales.
  const nested = await page.$$eval('[data-testid=domain] [data-testid=domain]',
                                   (els) => els.length);
  assert.ok(nested >= 1);
  await shot(page, 'domains', {docs: true});
  clean(page);
});

test('script and img-onerror payloads in a description render as text',
     async () => {
  const payload = '<script>window.__xss = 1</script>' +
      '<img src=x onerror="window.__xss = 2"> & "quotes"';
  const r = await rest('POST', 'domains/marketing/dataProducts', {
    query: {dataProductId: 'xss-check'},
    body: {displayName: '<b>bold?</b>', description: payload,
           ownerTeam: 'teams/marketing-analytics', tags: ['audit']},
  });
  assert.ok(r.status === 200 || r.status === 409, JSON.stringify(r.body));
  await go(page, `/products/marketing/xss-check`);
  await page.waitForSelector('[data-testid=description]');
  assert.equal(await page.$eval('[data-testid=description]',
                                (e) => e.textContent), payload);
  assert.equal(await page.$eval('[data-testid=product-title]',
                                (e) => e.textContent), '<b>bold?</b>');
  assert.equal(await page.$('main img'), null);
  assert.equal(await page.$('main b'), null);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  // Also in search results.
  await go(page, `/search?q=xss`);
  await waitCount(page, '[data-testid=result]', 1);
  assert.equal(await page.$('main img'), null);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  clean(page);
});

test('the layout holds at a narrow width', async () => {
  await page.setViewport({width: 390, height: 844});
  await go(page, `/search`);
  await page.waitForSelector('[data-testid=result]');
  const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `scrolls sideways by ${overflow}px`);
  await shot(page, 'search-narrow');
  await page.setViewport({width: 1280, height: 900});
  clean(page);
});
