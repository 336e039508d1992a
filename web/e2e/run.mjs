// End-to-end test of the Movie Genie web app in a real browser: Debian's
// chromium driven by playwright-core, against a running genie serve whose
// URL is in GENIE_URL. It walks the app as a user would: start as a new
// user, pick an existing user, see recommendations, search "90s comedy",
// rate a movie and see the recommendations change (no page reload), open
// the model metrics and see the charts, and check a phone-width layout.
// On every page it checks: no console errors, every image has alt text,
// every control a label. Screenshots go to e2e/screenshots/.
//
//   GENIE_URL=http://127.0.0.1:8765 npm --prefix web run e2e
//
// CHROMIUM (default /usr/bin/chromium) picks the browser; HEADED=1 shows it.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const base = (process.env.GENIE_URL ?? '').replace(/\/+$/, '');
if (!base) {
  console.error('GENIE_URL is not set: start `genie serve` and run GENIE_URL=http://127.0.0.1:8080 npm --prefix web run e2e');
  process.exit(2);
}
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });
const T = 30_000;

const results = [];
let failed = 0;
const consoleErrors = [];
// Requests the test makes fail on purpose; their console lines are expected.
const expectedFailures = [/\/api\/users\/999999(\?|$)/];

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ step: name, ok: true, ms: Date.now() - t0 });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    results.push({ step: name, ok: false, error: String(e?.message ?? e) });
    console.log(`FAIL ${name}: ${e?.message ?? e}`);
    throw e;
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** audit checks alt text, labels and stray SVGs on the current page. */
async function audit(page, where) {
  const problems = await page.evaluate(() => {
    const out = [];
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return s.visibility !== 'hidden' && s.display !== 'none' && (r.width > 0 || r.height > 0 || el.closest('.visually-hidden') || el.closest('.star'));
    };
    const text = (el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    const byIds = (ids) => ids.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean).map(text).join(' ').trim();
    const name = (el) => {
      if (el.getAttribute('aria-label')?.trim()) return el.getAttribute('aria-label').trim();
      if (el.getAttribute('aria-labelledby')) {
        const n = byIds(el.getAttribute('aria-labelledby'));
        if (n) return n;
      }
      if (el.id) {
        const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
        if (l && text(l)) return text(l);
      }
      const wrap = el.closest('label');
      if (wrap && text(wrap)) return text(wrap);
      if (['BUTTON', 'A'].includes(el.tagName) && text(el)) return text(el);
      if (el.getAttribute('title')?.trim()) return el.getAttribute('title').trim();
      return '';
    };
    const describe = (el) => el.outerHTML.slice(0, 140);
    for (const img of document.querySelectorAll('img')) {
      if (!img.hasAttribute('alt')) out.push(`image without alt: ${describe(img)}`);
    }
    for (const el of document.querySelectorAll('[role="img"]')) {
      if (!name(el)) out.push(`role=img without a label: ${describe(el)}`);
    }
    for (const svg of document.querySelectorAll('svg')) {
      if (svg.getAttribute('role') !== 'img' && svg.getAttribute('aria-hidden') !== 'true' && !svg.closest('[aria-hidden="true"], [role="img"]')) {
        out.push(`svg that is neither labelled nor hidden: ${describe(svg)}`);
      }
    }
    for (const el of document.querySelectorAll('button, a[href], input:not([type="hidden"]), select, textarea, [role="button"], [tabindex]:not([tabindex="-1"])')) {
      if (!visible(el)) continue;
      if (el.matches('[tabindex]') && !el.matches('button, a, input, select, textarea') && el.getAttribute('role') === 'region') {
        if (!name(el)) out.push(`focusable region without a label: ${describe(el)}`);
        continue;
      }
      if (!name(el)) out.push(`control without a label: ${describe(el)}`);
    }
    if (!document.querySelector('h1')) out.push('page without an h1');
    if (!document.documentElement.lang) out.push('html without lang');
    return out;
  });
  assert(problems.length === 0, `accessibility problems on ${where}:\n  ${problems.join('\n  ')}`);
}

async function shot(page, name) {
  await page.waitForTimeout(250); // let carousels settle
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const recIDs = (page) =>
  page.$$eval('[data-testid="recommended"] .card', (cards) => cards.map((c) => Number(c.getAttribute('data-movie-id'))));

const profileDir = mkdtempSync(join(tmpdir(), 'genie-e2e-'));
let context;
let exitCode = 0;
try {
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: !process.env.HEADED,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'].filter((a) => a !== '--headless' || !process.env.HEADED),
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
  });
  context.setDefaultTimeout(T);
  const page = context.pages()[0] ?? (await context.newPage());
  const watch = (p) => {
    p.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location()?.url ?? '';
      if (expectedFailures.some((re) => re.test(where))) return;
      consoleErrors.push(`${p.url()}: ${msg.text()} ${where}`);
    });
    p.on('pageerror', (err) => consoleErrors.push(`${p.url()}: uncaught ${err.message}`));
    p.on('response', (res) => {
      if (res.status() >= 500) consoleErrors.push(`${res.url()} answered ${res.status()}`);
    });
  };
  watch(page);

  await step('start: no user yet, so the app asks who is watching', async () => {
    await page.goto(base + '/');
    await page.waitForURL(/\/users$/);
    await page.getByRole('heading', { level: 1, name: 'Who is watching?' }).waitFor();
    await page.locator('.user-chip').first().waitFor();
    await audit(page, 'choose user');
    await shot(page, '01-choose-user');
  });

  await step('the user id is validated', async () => {
    const input = page.getByLabel('MovieLens user id');
    await input.fill('abc');
    await input.press('Enter');
    await page.getByText('A user id is a whole number').waitFor();
    await input.fill('999999');
    await input.press('Enter');
    await page.getByText('There is no user 999999').waitFor();
  });

  await step('a new user rates three movies and gets recommendations', async () => {
    await page.getByRole('link', { name: 'Start as a new user' }).click();
    await page.getByRole('heading', { level: 1, name: 'Rate a few movies to start' }).waitFor();
    const groups = page.locator('fieldset.stars');
    await groups.first().waitFor();
    for (let i = 0; i < 3; i++) await groups.nth(i).getByLabel('5 stars').check({ force: true });
    await page.getByText('3 of 3 rated').waitFor();
    await audit(page, 'new user');
    await shot(page, '02-new-user');
    await page.getByRole('button', { name: 'Create my profile' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.locator('[data-testid="recommended"] .card').first().waitFor();
    const h1 = await page.locator('h1').textContent();
    assert(/Welcome, User \d+/.test(h1 ?? ''), `home heading is ${h1}`);
  });

  let before = [];
  await step('pick a sampled user and see their recommendations with the model named and a why line', async () => {
    await page.getByRole('button', { name: 'Change user' }).click();
    await page.waitForURL(/\/users$/);
    const chip = page.locator('.user-chip').first();
    const label = await chip.textContent();
    await chip.click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByRole('heading', { level: 1, name: `Welcome, ${label}` }).waitFor();
    const rec = page.locator('[data-testid="recommended"]');
    await rec.locator('.card').first().waitFor();
    const model = (await rec.getByTestId('model-name').textContent())?.trim();
    assert(model, 'no model name on the recommendations');
    const subtitle = await rec.locator('.subtitle').textContent();
    assert(/because you watched/i.test(subtitle ?? ''), `no "because you watched" line: ${subtitle}`);
    await page.locator('[data-testid="because"] h2', { hasText: 'Because you watched' }).waitFor();
    await page.locator('[data-testid="popular"] .card').first().waitFor();
    await page.locator('[data-testid="history"] .card').first().waitFor();
    before = await recIDs(page);
    assert(before.length >= 5, `only ${before.length} recommendations`);
    await audit(page, 'home');
    await shot(page, '03-home');
  });

  await step('keyboard: the search box is a few Shift+Tabs above the page heading', async () => {
    await page.locator('h1').focus();
    let reached = false;
    for (let i = 0; i < 6 && !reached; i++) {
      await page.keyboard.press('Shift+Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'q');
    }
    assert(reached, 'the search box is not reachable with Shift+Tab from the heading');
  });

  await page.evaluate(() => (window.__noReload = true));

  await step('disliking a recommendation removes it without a page reload', async () => {
    const first = page.locator('[data-testid="recommended"] .card').first();
    const id = Number(await first.getAttribute('data-movie-id'));
    const title = await first.locator('.card-title').textContent();
    await first.getByRole('button', { name: `Dislike ${title}` }).click();
    await page.getByText(`Disliked ${title}. Your recommendations are updated.`).waitFor();
    await page.waitForFunction((gone) => {
      const ids = [...document.querySelectorAll('[data-testid="recommended"] .card')].map((c) => Number(c.getAttribute('data-movie-id')));
      return ids.length > 0 && !ids.includes(gone) && !document.querySelector('[data-testid="recommended"][aria-busy="true"]');
    }, id);
    assert(await page.evaluate(() => window.__noReload === true), 'the page reloaded');
    before = await recIDs(page);
  });

  let rated = '';
  await step('search "90s comedy" with Enter: filters as chips, 90s comedies with reasons', async () => {
    const q = page.getByRole('searchbox', { name: 'Search movies' });
    await q.fill('90s comedy');
    await q.press('Enter');
    await page.waitForURL(/\/search\?q=90s(\+|%20)comedy/);
    const results = page.getByRole('list', { name: 'Search results' });
    await results.locator('.card').first().waitFor();
    const chips = await page.getByRole('list', { name: 'Filters read from your search' }).locator('li').allTextContents();
    assert(chips.some((c) => c.includes('Years: 1990–1999')) && chips.some((c) => c.includes('Genre: Comedy')), `chips: ${chips.join(' | ')}`);
    const cards = await results.locator('.card').evaluateAll((cs) =>
      cs.slice(0, 10).map((c) => ({ meta: c.querySelector('.card-meta')?.textContent ?? '', reasons: [...c.querySelectorAll('.reasons li')].map((l) => l.textContent) })),
    );
    assert(cards.length >= 5, `only ${cards.length} results`);
    for (const c of cards) {
      const year = Number(/\d{4}/.exec(c.meta)?.[0]);
      assert(year >= 1990 && year <= 1999, `result outside the 90s: ${c.meta}`);
      assert(c.reasons.length > 0, `result without a reason: ${c.meta}`);
      assert(c.reasons.some((r) => r.includes('Comedy')), `result not matched as a comedy: ${c.meta} ${c.reasons.join('; ')}`);
    }
    assert(await page.evaluate(() => window.__noReload === true), 'the search reloaded the page');
    await audit(page, 'search');
    await shot(page, '04-search');
    rated = (await results.locator('.card-title').first().textContent()) ?? '';
  });

  await step('movie details: title, year, genres, stats, similar movies, your rating', async () => {
    await page.getByRole('list', { name: 'Search results' }).locator('.card-link').first().click();
    await page.waitForURL(/\/movies\/\d+$/);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: rated }).waitFor();
    await page.getByRole('list', { name: 'Genres' }).locator('li').first().waitFor();
    await page.getByText('Average rating').waitFor();
    await page.locator('[data-testid="similar"] .card').first().waitFor();
    await page.getByTestId('your-rating').filter({ hasNotText: 'loading' }).waitFor();
    await audit(page, 'movie');
  });

  await step('rating a movie 5 stars records it and changes the recommendations', async () => {
    // by keyboard: focus the 4-star radio's group and move right to 5
    const stars = page.getByRole('group', { name: `Your rating of ${rated}` });
    await stars.getByLabel('4 stars').focus();
    await page.keyboard.press('ArrowRight');
    await page.getByText(`Rated ${rated} 5 stars. Your recommendations are updated.`).waitFor();
    await page.getByTestId('your-rating').filter({ hasText: '5 / 5' }).waitFor();
    await shot(page, '05-movie');
    await page.getByRole('link', { name: 'Movie Genie home' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.locator('[data-testid="recommended"] .card').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    const after = await recIDs(page);
    assert(JSON.stringify(after) !== JSON.stringify(before), `recommendations did not change: ${after.join(',')}`);
    const history = await page.locator('[data-testid="history"] .card-title').first().textContent();
    assert(history === rated, `history starts with ${history}, not the rated ${rated}`);
    assert(await page.evaluate(() => window.__noReload === true), 'the page reloaded');
    await shot(page, '06-home-after-rating');
  });

  await step('model metrics: evaluation charts and tables, training curves', async () => {
    await page.getByRole('link', { name: 'Model metrics' }).click();
    await page.waitForURL(/\/models$/);
    await page.getByRole('heading', { level: 1, name: 'Model metrics' }).waitFor();
    await page.getByRole('heading', { name: 'Evaluation' }).waitFor();
    const evalCharts = await page.locator('.protocol svg.chart rect').count();
    const info = await page.evaluate(async () => (await fetch('/api/models')).json());
    const protocols = Object.keys(info.metrics ?? {});
    if (protocols.length) {
      assert(evalCharts > 0, 'an evaluation table is served but no bars are drawn');
      assert((await page.locator('.protocol table tbody tr').count()) > 0, 'no evaluation table rows');
    } else {
      await page.getByText('No evaluation table is being served yet').waitFor();
    }
    const histories = Object.keys(info.histories ?? {});
    if (histories.length) {
      await page.locator('.curves svg.chart polyline').first().waitFor();
    } else {
      await page.getByText('No training histories are being served').waitFor();
    }
    console.log(`     (${protocols.length} protocols charted, ${histories.length} training histories)`);
    await audit(page, 'metrics');
    await shot(page, '07-metrics');
  });

  await step('phone width: home fits the screen', async () => {
    const phone = await context.newPage();
    watch(phone);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(base + '/');
    await phone.locator('[data-testid="recommended"] .card').first().waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `the page is ${overflow}px wider than the phone`);
    await audit(phone, 'home (phone)');
    await phone.screenshot({ path: join(shots, '08-home-phone.png') });
    await phone.goto(base + '/models');
    await phone.getByRole('heading', { level: 1, name: 'Model metrics' }).waitFor();
    await phone.locator('svg.chart').first().waitFor().catch(() => {});
    const overflow2 = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow2 <= 1, `the metrics page is ${overflow2}px wider than the phone`);
    await phone.screenshot({ path: join(shots, '09-metrics-phone.png') });
    await phone.close();
  });

  await step('an unknown movie says so instead of showing anything made up', async () => {
    await page.goto(base + '/movies/99999999');
    await page.getByRole('heading', { level: 1, name: 'Movie not found' }).waitFor();
  });

  await step('no console errors on any page', async () => {
    // the 404 above is expected; drop console lines about it
    const errs = consoleErrors.filter((e) => !/\/api\/movies\/99999999/.test(e));
    assert(errs.length === 0, `console errors:\n  ${errs.join('\n  ')}`);
  });
} catch (e) {
  exitCode = 1;
  if (!failed) console.error(e);
} finally {
  await context?.close().catch(() => {});
  rmSync(profileDir, { recursive: true, force: true });
  writeFileSync(join(here, 'report.json'), JSON.stringify({ url: base, results, consoleErrors }, null, 2));
  console.log(`${results.filter((r) => r.ok).length} of ${results.length} steps passed; screenshots in ${shots}`);
}
process.exit(exitCode || (failed ? 1 : 0));
