// The web catalog's benchmark (scripts/bench-web.sh runs it; not a test):
// Debian's chromium, headless, through puppeteer-core (no browser download),
// against a meshplaned whose database holds 100,000 products. Times come
// from the page's Performance API (performance.now(), navigation start = 0)
// and, for calls made from node, from process.hrtime.
//
// Environment (set by scripts/bench-web.sh):
//   MESHPLANE_WEB_URL      http://127.0.0.1:PORT
//   MESHPLANE_ADMIN_TOKEN  a token
//   BENCH_ASSETS           the folder of the embedded web build
//   BENCH_PRODUCT          a product path, e.g. /products/d3/p4242
//   BENCH_LINEAGE          a lineage path whose graph has BENCH_LINEAGE_NODES
//   BENCH_OUT              where results.json goes
//   BENCH_REPEAT           repetitions of each page load (default 7)
//   BENCH_QUERIES          search calls per series (default 200)
//   CHROMIUM               the browser (default /usr/bin/chromium)
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync,
        writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {brotliCompressSync, constants, gzipSync} from 'node:zlib';
import puppeteer from 'puppeteer-core';

const BASE = process.env.MESHPLANE_WEB_URL;
const TOKEN = process.env.MESHPLANE_ADMIN_TOKEN;
const REPEAT = Number(process.env.BENCH_REPEAT || 7);
const QUERIES = Number(process.env.BENCH_QUERIES || 200);
const LINEAGE_NODES = Number(process.env.BENCH_LINEAGE_NODES || 200);
const results = {};

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  const r = (x) => Math.round(x * 100) / 100;
  return {n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), max: r(s.at(-1))};
}

// --- embedded assets: raw, gzip -9, brotli q11 ---
function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
{
  const files = walk(process.env.BENCH_ASSETS).filter((f) => !f.endsWith('.map'));
  let raw = 0, gz = 0, br = 0;
  const each = {};
  for (const f of files) {
    const b = readFileSync(f);
    const g = gzipSync(b, {level: 9}).length;
    const z = brotliCompressSync(b, {params: {
      [constants.BROTLI_PARAM_QUALITY]: 11}}).length;
    raw += b.length; gz += g; br += z;
    each[relative(process.env.BENCH_ASSETS, f)] = {raw: b.length, gzip: g,
                                                   brotli: z};
  }
  results.assets = {raw, gzip: gz, brotli: br, files: each};
}

// --- the vocabulary of the seeded products (scripts/bench-web.sh) ---
const WORDS = ['orders', 'customers', 'revenue', 'invoices', 'shipments',
  'payments', 'refunds', 'inventory', 'campaigns', 'clicks', 'sessions',
  'churn', 'forecast', 'ledger', 'budget', 'returns', 'suppliers',
  'contracts', 'claims', 'policies', 'accounts', 'balances', 'trades',
  'quotes', 'prices', 'stores', 'parcels', 'routes', 'drivers', 'vehicles'];
// As typed: every prefix of 2+ letters of a word, then two-word queries.
const typed = [];
for (const w of WORDS) {
  for (let i = 2; i <= w.length; i++) typed.push(w.slice(0, i));
}
for (let i = 0; i < WORDS.length; i++) {
  typed.push(`${WORDS[i]} ${WORDS[(i * 7 + 3) % WORDS.length].slice(0, 3)}`);
}
const queries = [];
for (let i = 0; queries.length < QUERIES; i++) {
  const q = typed[(i * 37) % typed.length];
  // One in five narrowed by a facet, one in ten with no words (every
  // product: the facets' worst case).
  const extra = i % 10 === 9 ? {query: ''} :
      i % 5 === 4 ? {domain: `domains/d${i % 20}`} : {};
  queries.push(new URLSearchParams({query: q, pageSize: '20',
                                    facetSize: '20', ...extra}).toString());
}

async function timeFetch(url, headers) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(url, {headers});
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// --- direct REST with fetch: search, and the references ---
{
  const auth = {Authorization: `Bearer ${TOKEN}`};
  const index = readFileSync(join(process.env.BENCH_ASSETS, 'index.html'),
                             'utf8');
  const css = index.match(/href="(\/assets\/[^"]+\.css)"/)[1];
  for (let i = 0; i < 20; i++) {  // warm-up: connections, caches
    await timeFetch(`${BASE}/v1/dataProducts:search?${queries[i]}`, auth);
  }
  const search = [], asset = [], health = [], identity = [];
  for (const q of queries) {
    search.push(await timeFetch(`${BASE}/v1/dataProducts:search?${q}`, auth));
    asset.push(await timeFetch(`${BASE}${css}`, {}));
    health.push(await timeFetch(`${BASE}/healthz`, {}));
    identity.push(await timeFetch(`${BASE}/v1/callerIdentity`, auth));
  }
  results.direct = {search: stats(search), static_asset: stats(asset),
                    healthz: stats(health), caller_identity: stats(identity)};
}

// --- the browser ---
const session = await fetch(`${BASE}/auth/session`, {
  method: 'POST', headers: {Authorization: `Bearer ${TOKEN}`}});
if (!session.ok) throw new Error(`sign-in: ${session.status}`);
const cookie = session.headers.get('set-cookie').match(/mp_session=([^;]+)/)[1];

// Marks, in performance.now() of the document, when each target first shows.
function markTargets(targets) {
  window.__marks = {};
  const check = () => {
    for (const t of targets) {
      if (window.__marks[t.name] === undefined &&
          document.querySelectorAll(t.sel).length >= t.n) {
        window.__marks[t.name] = performance.now();
      }
    }
  };
  new MutationObserver(check).observe(document, {childList: true,
                                                 subtree: true});
}
const TARGETS = [
  {name: 'search', sel: '[data-testid=result]', n: 1},
  {name: 'product', sel: '[data-testid=product-title]', n: 1},
  {name: 'lineage', sel: '[data-testid=lineage-node]', n: LINEAGE_NODES},
];

async function launch(profile) {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true, userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
           '--no-first-run', '--lang=en-US'],
  });
}
async function prepared(browser) {
  const page = await browser.newPage();
  await page.setViewport({width: 1280, height: 900});
  await page.setCookie({name: 'mp_session', value: cookie, url: BASE,
                        httpOnly: true, sameSite: 'Strict'});
  await page.evaluateOnNewDocument(markTargets, TARGETS);
  return page;
}
async function loadUntil(page, path, name, timeout = 60000) {
  await page.goto(`${BASE}${path}`, {waitUntil: 'domcontentloaded'});
  await page.waitForFunction((n) => window.__marks?.[n] !== undefined,
                             {timeout, polling: 50}, name);
  return page.evaluate((n) => window.__marks[n], name);
}

const cold = [], warm = [], product = [], productNav = [], lineage = [];
const pageSearch = [], typedShown = [];
for (let i = 0; i < REPEAT; i++) {
  // Cold: a new profile (empty cache), the session cookie set.
  const profile = mkdtempSync(join(tmpdir(), 'mp-bench-profile-'));
  const browser = await launch(profile);
  try {
    const page = await prepared(browser);
    cold.push(await loadUntil(page, '/search', 'search'));
    // Warm: the same profile, loaded again (hashed assets from the cache).
    warm.push(await loadUntil(page, '/search', 'search'));
    product.push(await loadUntil(page, process.env.BENCH_PRODUCT, 'product'));
    if (i === 0) {
      lineage.push(await loadUntil(page, process.env.BENCH_LINEAGE, 'lineage',
                                   120000));
    }
    // In-app: from the search page to a result's product page.
    await loadUntil(page, '/search', 'search');
    productNav.push(await page.evaluate(async () => {
      const t0 = performance.now();
      document.querySelector('[data-testid=result] h2 a').click();
      while (window.__marks.product === undefined) {
        await new Promise((r) => setTimeout(r, 5));
      }
      return window.__marks.product - t0;
    }));
    if (i === 0) {
      // Search calls from the page (same origin, the session cookie).
      await loadUntil(page, '/search', 'search');
      pageSearch.push(...await page.evaluate(async (qs) => {
        const out = [];
        for (const q of qs) {
          const t0 = performance.now();
          const r = await fetch(`/v1/dataProducts:search?${q}`,
                                {credentials: 'same-origin'});
          await r.text();
          out.push(performance.now() - t0);
        }
        return out;
      }, queries));
      // Typed into the box (a key each 60 ms, as a fast typist): from the
      // last key to the frame after the answer for the whole word, the
      // 120 ms debounce included.
      for (const w of WORDS.slice(0, 12)) {
        await loadUntil(page, '/search', 'search');
        await page.focus('[data-testid=search]');
        const answered = page.waitForResponse((r) =>
            r.url().includes('dataProducts:search') &&
            new URL(r.url()).searchParams.get('query') === w,
            {timeout: 10000});
        await page.type('[data-testid=search]', w, {delay: 60});
        const t0 = await page.evaluate(() => performance.now());
        await answered;
        // Rendered: the frame after the answer.
        const t1 = await page.evaluate(() => new Promise((done) =>
            requestAnimationFrame(() => setTimeout(
                () => done(performance.now()), 0))));
        typedShown.push(t1 - t0);
      }
    }
  } finally {
    await browser.close();
    rmSync(profile, {recursive: true, force: true});
  }
}
results.page = {
  search_cold: stats(cold), search_warm: stats(warm),
  product_load: stats(product), product_in_app: stats(productNav),
  lineage_200: stats(lineage), search_fetch_from_page: stats(pageSearch),
  typed_to_shown: stats(typedShown),
};
writeFileSync(join(process.env.BENCH_OUT, 'results.json'),
              JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
