// Lineage zoom and pan on a graph of 200 products: fit on load, readable,
// buttons, wheel, keyboard and drag, and click-to-open still working.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {ADMIN, BASE, clean, launch, newPage, ok, shot, signIn} from './harness.mjs';
import {assertAxeClean, assertNoSidewaysScroll} from './a11y.mjs';

const N = 200;
const LONG = 'A product whose display name is far too long for its box';
const id = (i) => `lin-${String(i).padStart(3, '0')}`;
const name = (i) => `domains/marketing/dataProducts/${id(i)}`;
let browser;
let page;

before(async () => {
  browser = await launch();
  // A binary tree: lin-000 reads the demo's orders, lin-i reads lin-(i-1)/2.
  for (let i = 0; i < N; i++) {
    const source = i === 0 ?
        'domains/sales/dataProducts/orders/outputPorts/orders-v1' :
        `${name(Math.floor((i - 1) / 2))}/outputPorts/out`;
    await ok('POST', 'domains/marketing/dataProducts', {
      query: {dataProductId: id(i)},
      body: {displayName: i === 0 ? LONG : `Lineage ${i}`,
             description: 'A node of the lineage zoom test.',
             ownerTeam: 'teams/marketing-analytics', tags: ['lineage-test'],
             outputPorts: [{id: 'out', type: 'table'}],
             inputPorts: [{id: 'in', source}]}});
  }
  page = await newPage(browser);
  await signIn(page, ADMIN);
});
after(async () => {
  await browser?.close();
});

async function view() {
  const t = await page.$eval('[data-testid=viewport]',
                             (e) => e.getAttribute('transform'));
  const m = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([-\d.e]+)\)/.exec(t);
  assert.ok(m, t);
  return {x: Number(m[1]), y: Number(m[2]), k: Number(m[3])};
}

async function changed(before) {
  await page.waitForFunction((b) => {
    const t = document.querySelector('[data-testid=viewport]')
        .getAttribute('transform');
    return t !== b;
  }, {timeout: 5000}, before);
}

async function transform() {
  return page.$eval('[data-testid=viewport]',
                    (e) => e.getAttribute('transform'));
}

test('200 products open readable, fit, zoom and pan', async () => {
  const start = Date.now();
  await page.goto(`${BASE}/lineage/marketing/${id(0)}?depth=10&direction=downstream`,
                  {waitUntil: 'networkidle0'});
  await page.waitForFunction((n) => document.querySelectorAll(
      '[data-testid=lineage-node]').length === n, {timeout: 20000}, N);
  const ms = Date.now() - start;
  console.log(`# lineage of ${N} products drawn ${ms} ms after navigation`);
  assert.equal((await page.$$('[data-testid=lineage-edge]')).length, N - 1);

  // Opens at a readable scale, on the product the page is about.
  const opened = await view();
  assert.ok(opened.k >= 0.6, `opens at ${opened.k}`);
  const inFrame = async (sel) => page.$eval(sel, (e) => {
    const f = document.querySelector('[data-testid=graph-frame]')
        .getBoundingClientRect();
    const r = e.getBoundingClientRect();
    return r.left >= f.left && r.right <= f.right && r.top >= f.top &&
        r.bottom <= f.bottom;
  });
  const root = `[data-testid=lineage-node][data-name="${
      'domains/marketing/dataProducts/' + id(0)}"]`;
  assert.ok(await inFrame(root), 'the start product is in view');
  // Long labels are cut, the full text is in the node's title.
  const label = await page.$eval(`${root} text.title`, (e) => e.textContent);
  assert.ok(label.endsWith('…') && label.length <= 24, label);
  assert.match(await page.$eval(`${root} title`, (e) => e.textContent),
               new RegExp(LONG));
  await shot(page, 'lineage-200');

  // Fit shows every node.
  let t = await transform();
  await page.click('[data-testid=zoom-fit]');
  await changed(t);
  const fitted = await view();
  assert.ok(fitted.k < opened.k);
  const outside = await page.$$eval('[data-testid=lineage-node]', (els) => {
    const f = document.querySelector('[data-testid=graph-frame]')
        .getBoundingClientRect();
    return els.filter((e) => {
      const r = e.getBoundingClientRect();
      return r.left < f.left - 1 || r.right > f.right + 1 ||
          r.top < f.top - 1 || r.bottom > f.bottom + 1;
    }).length;
  });
  assert.equal(outside, 0, 'every node in the frame after Fit');

  // Buttons.
  t = await transform();
  await page.click('[data-testid=zoom-in]');
  await changed(t);
  assert.ok(Math.abs((await view()).k / fitted.k - 1.25) < 0.01);
  t = await transform();
  await page.click('[data-testid=zoom-out]');
  await changed(t);
  assert.ok(Math.abs((await view()).k - fitted.k) < 0.001);

  // Keyboard on the frame: + zooms, arrows pan, 0 fits.
  await page.focus('[data-testid=graph-frame]');
  t = await transform();
  await page.keyboard.press('+');
  await changed(t);
  const zoomed = await view();
  assert.ok(zoomed.k > fitted.k);
  t = await transform();
  await page.keyboard.press('ArrowLeft');
  await changed(t);
  assert.ok((await view()).x > zoomed.x, 'ArrowLeft shows more on the left');
  t = await transform();
  await page.keyboard.press('ArrowDown');
  await changed(t);
  t = await transform();
  await page.keyboard.press('-');
  await changed(t);
  t = await transform();
  await page.keyboard.press('0');
  await changed(t);
  assert.deepEqual(await view(), fitted);

  // The wheel zooms around the pointer.
  const frame = await page.$eval('[data-testid=graph-frame]', (e) => {
    const r = e.getBoundingClientRect();
    return {x: r.left + r.width / 2, y: r.top + r.height / 2};
  });
  await page.mouse.move(frame.x, frame.y);
  t = await transform();
  await page.mouse.wheel({deltaY: -300});
  await changed(t);
  assert.ok((await view()).k > fitted.k, 'wheel up zooms in');

  // A drag that starts on a node pans and opens nothing.
  await page.keyboard.press('0');
  await page.click('[data-testid=zoom-in]');
  await page.click('[data-testid=zoom-in]');
  const box = await (await page.$(root)).boundingBox();
  const before = await view();
  await page.mouse.move(box.x + 20, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(box.x + 80, box.y + 50, {steps: 5});
  await page.mouse.move(box.x + 120, box.y + 70, {steps: 5});
  await page.mouse.up();
  const dragged = await view();
  assert.ok(Math.abs(dragged.x - before.x - 100) < 2 &&
            Math.abs(dragged.y - before.y - 60) < 2,
            `${JSON.stringify(before)} -> ${JSON.stringify(dragged)}`);
  assert.match(new URL(page.url()).pathname, /^\/lineage\//);

  // A node reached by keyboard focus outside the view is brought into it.
  const hidden = await page.$$eval('[data-testid=lineage-node]', (els) => {
    const f = document.querySelector('[data-testid=graph-frame]')
        .getBoundingClientRect();
    return els.map((e) => [e.dataset.name, e.getBoundingClientRect()])
        .filter(([, r]) => r.right < f.left || r.left > f.right ||
                           r.bottom < f.top || r.top > f.bottom)
        .map(([n]) => n);
  });
  assert.ok(hidden.length > 0, 'some products are out of view');
  const far = `[data-testid=lineage-node][data-name="${hidden[0]}"]`;
  t = await transform();
  await page.$eval(far, (e) => e.focus());
  await changed(t);
  assert.ok(await inFrame(far), 'focus brought it into view');

  await assertAxeClean(page, 'lineage of 200');
  // Still a link: a plain click opens the product.
  await page.$eval(root, (e) => e.focus());
  await page.waitForFunction((s) => {
    const f = document.querySelector('[data-testid=graph-frame]')
        .getBoundingClientRect();
    const r = document.querySelector(s).getBoundingClientRect();
    return r.left >= f.left && r.right <= f.right;
  }, {}, root);
  await page.click(root);
  await page.waitForFunction(
      (p) => location.pathname === p, {}, `/products/marketing/${id(0)}`);
  clean(page);
});

test('a two-finger pinch zooms the graph', async () => {
  await page.setViewport({width: 800, height: 900, hasTouch: true});
  await page.goto(`${BASE}/lineage/sales/orders?depth=3`,
                  {waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=lineage-node]');
  const f = await page.$eval('[data-testid=graph-frame]', (e) => {
    const r = e.getBoundingClientRect();
    return {x: r.left + r.width / 2, y: r.top + r.height / 2};
  });
  const before = await view();
  const cdp = await page.createCDPSession();
  const touch = (type, spread) => cdp.send('Input.dispatchTouchEvent', {
    type, touchPoints: type === 'touchEnd' ? [] : [
      {x: f.x - spread, y: f.y, id: 0}, {x: f.x + spread, y: f.y, id: 1}]});
  await touch('touchStart', 40);
  for (const spread of [50, 60, 70, 80]) await touch('touchMove', spread);
  await touch('touchEnd', 0);
  await page.waitForFunction((k) => {
    const t = document.querySelector('[data-testid=viewport]')
        .getAttribute('transform');
    return Number(/scale\(([-\d.e]+)\)/.exec(t)[1]) > k * 1.5;
  }, {timeout: 5000}, before.k);
  assert.match(new URL(page.url()).pathname, /^\/lineage\//,
               'a pinch opens nothing');
  await page.setViewport({width: 1280, height: 900});
  clean(page);
});

test('the lineage page holds at 400 px', async () => {
  await page.setViewport({width: 400, height: 800});
  await page.goto(`${BASE}/lineage/sales/orders?depth=3`,
                  {waitUntil: 'networkidle0'});
  await page.waitForSelector('[data-testid=lineage-node]');
  await assertNoSidewaysScroll(page, 'lineage');
  // Fit: the demo's five products are all in the narrow frame.
  const t = await transform();
  await page.click('[data-testid=zoom-fit]');
  await changed(t);
  const outside = await page.$$eval('[data-testid=lineage-node]', (els) => {
    const f = document.querySelector('[data-testid=graph-frame]')
        .getBoundingClientRect();
    return els.filter((e) => {
      const r = e.getBoundingClientRect();
      return r.left < f.left - 1 || r.right > f.right + 1;
    }).length;
  });
  assert.equal(outside, 0);
  await shot(page, 'lineage-narrow');
  await page.setViewport({width: 1280, height: 900});
  clean(page);
});
