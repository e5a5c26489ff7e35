// Checks shared by the write flows: axe-core (WCAG 2 A/AA) and the narrow
// layout.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// No serious or critical axe-core finding on the page as it is now.
export async function assertAxeClean(page, what) {
  // Evaluated through the DevTools protocol, which the page's CSP does not
  // govern (an inline <script> would be refused).
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}});
    return r.violations.filter((v) => v.impact === 'serious' ||
                                      v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
  });
  assert.deepEqual(found, [], what);
}

// The page does not scroll sideways at its current width.
export async function assertNoSidewaysScroll(page, what) {
  const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${what}: scrolls sideways by ${overflow}px`);
}
