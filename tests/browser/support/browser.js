// Debian's Chromium, headless, driven by playwright-core; axe-core run in every page
// visited; screenshots at a phone's and a desktop's width.
//
// The network is closed: Chromium is started with the flags that keep it from calling
// Google's hosts, and every page is watched for requests to any host but the server's.

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { chromium } = require('playwright-core');

const { screenshotDir } = require('./paths');

const CHROMIUM = process.env.ATHENAEUM_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The WCAG rule sets every page must pass with no violation. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The widths screenshots are taken at: a small phone and a desktop. */
const SCREENSHOT_WIDTHS = [360, 1280];

/** Browser contexts opened with JavaScript off (see runAxe). */
const contextsWithoutScripts = new WeakSet();

/** Starts Chromium. */
async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's package (apt-get install chromium) ` +
      'or run ./scripts/test as root, which installs it');
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/**
 * The two ways every journey is walked: with JavaScript (the enhanced pages) and
 * without (the pages must work with HTML alone).
 */
const MODES = [
  { name: 'js', label: 'JavaScript on', javaScriptEnabled: true },
  { name: 'nojs', label: 'JavaScript off', javaScriptEnabled: false },
];

/**
 * A browser context for one walk of a journey, with a page that is watched for what
 * must never happen: a dialog (a script someone slipped in ran), a request to another
 * host, a page error, a Content-Security-Policy violation, an HTML response without the
 * security headers. `problems()` lists what was seen.
 */
class Walk {
  constructor({ context, page, mode, server, journey }) {
    this.context = context;
    this.page = page;
    this.mode = mode;
    this.server = server;
    this.journey = journey;
    this.seen = [];
    this.dialogs = [];
    this.documents = [];
    this.shotCount = 0;
    this.audited = new Set();
  }

  static async open(browser, { mode, server, journey }) {
    const context = await newContext(browser, {
      javaScriptEnabled: mode.javaScriptEnabled,
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      timezoneId: 'Europe/London',
    });
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(20_000);
    const page = await context.newPage();
    const walk = new Walk({ context, page, mode, server, journey });
    walk.watch(page);
    return walk;
  }

  watch(page) {
    const origin = new URL(this.server.url).origin;
    page.on('dialog', async (dialog) => {
      this.dialogs.push(`${dialog.type()} «${dialog.message()}» on ${page.url()}`);
      await dialog.dismiss().catch(() => {});
    });
    page.on('request', (request) => {
      const url = request.url();
      if (/^(data|blob|about):/.test(url)) return;
      if (new URL(url).origin !== origin) {
        this.seen.push(`a request to another host: ${request.method()} ${url} (from ${page.url()})`);
      }
    });
    page.on('pageerror', (error) => {
      this.seen.push(`a script error on ${page.url()}: ${error.message}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        this.seen.push(`a Content-Security-Policy violation on ${page.url()}: ${message.text()}`);
      }
    });
    page.on('response', async (response) => {
      const request = response.request();
      if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
      const type = response.headers()['content-type'] || '';
      if (!type.startsWith('text/html')) return;
      const headers = await response.allHeaders().catch(() => response.headers());
      this.documents.push({ url: response.url(), status: response.status(), headers });
      for (const problem of securityHeaderProblems(headers)) {
        this.seen.push(`${response.status()} ${response.url()}: ${problem}`);
      }
    });
  }

  /** Returns everything that must not have happened but did. */
  problems() {
    return [...this.dialogs.map((dialog) => `a dialog opened: ${dialog}`), ...this.seen];
  }

  /** Fails, listing them, when anything that must not happen did. */
  assertNothingWrong() {
    const problems = this.problems();
    assert.deepEqual(problems, [], `${this.journey} (${this.mode.label}):\n  ${problems.join('\n  ')}`);
  }

  /** Opens a path of the server (or an absolute URL) and returns the response. */
  async goto(pathOrUrl, { status } = {}) {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : this.server.href(pathOrUrl);
    const response = await this.page.goto(url, { waitUntil: 'load' });
    if (status !== undefined) {
      assert.equal(response && response.status(), status, `GET ${url} answered ${response && response.status()}, not ${status}`);
    }
    return response;
  }

  /**
   * Checks the page holds no active content, runs its axe audit, takes its screenshots
   * and checks that it reflows at 360 px: what every page visited gets. `name` names the
   * files.
   */
  async check(name) {
    const started = Date.now();
    await assertNoActiveContent(this.page, `${this.journey} (${this.mode.label}) ${name}`);
    await audit(this.page, `${this.journey} (${this.mode.label}) ${name}`);
    const audited = Date.now();
    await this.screenshots(name);
    if (process.env.ATHENAEUM_BROWSER_TIMING) {
      process.stderr.write(`timing: ${this.mode.name} ${name}: axe ${audited - started} ms, screenshots ${Date.now() - audited} ms\n`);
    }
  }

  /** Writes full-page PNGs of the page at every width; returns their paths. */
  async screenshots(name) {
    this.shotCount += 1;
    const base = `${String(this.shotCount).padStart(2, '0')}-${slugify(name)}`;
    return screenshots(this.page, path.join(slugify(this.journey), this.mode.name, base));
  }

  async close() {
    await this.context.close().catch(() => {});
  }
}

/** What a page's headers lack: the CSP (frame-ancestors 'none', no inline script). */
function securityHeaderProblems(headers) {
  const problems = [];
  const policy = headers['content-security-policy'];
  if (!policy) {
    problems.push('no Content-Security-Policy header');
    return problems;
  }
  const directives = parsePolicy(policy);
  const frameAncestors = directives.get('frame-ancestors');
  if (!frameAncestors || frameAncestors.join(' ') !== "'none'") {
    problems.push(`Content-Security-Policy without frame-ancestors 'none': ${policy}`);
  }
  const scripts = directives.get('script-src') || directives.get('default-src') || [];
  const inline = scripts.filter((source) => ["'unsafe-inline'", "'unsafe-eval'", 'data:', '*', 'http:', 'https:'].includes(source));
  if (inline.length > 0) {
    problems.push(`Content-Security-Policy lets scripts run from ${inline.join(' ')}: ${policy}`);
  }
  return problems;
}

/** Splits a Content-Security-Policy into its directives, e.g. `script-src` → [`'self'`]. */
function parsePolicy(policy) {
  const directives = new Map();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/**
 * Fails when the page holds markup that runs script or loads another document: an inline
 * script, an event handler attribute (`onmouseover=…`), a `javascript:`, `vbscript:` or
 * `data:text/html` address, a frame, object or embed. The pages have none of their own,
 * so any there came from text someone supplied.
 */
async function assertNoActiveContent(page, label) {
  const found = await page.evaluate(() => {
    const problems = [];
    const describe = (element) => element.outerHTML.replace(/\s+/g, ' ').slice(0, 140);
    for (const script of document.querySelectorAll('script')) {
      if (!script.src) problems.push(`an inline script: ${describe(script)}`);
    }
    for (const element of document.querySelectorAll('iframe, frame, object, embed, base')) {
      problems.push(`a ${element.tagName.toLowerCase()} element: ${describe(element)}`);
    }
    for (const element of document.querySelectorAll('*')) {
      for (const attribute of element.attributes) {
        const name = attribute.name.toLowerCase();
        if (name.startsWith('on')) {
          problems.push(`an event handler attribute ${name}: ${describe(element)}`);
        } else if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(name)
          && /^\s*(javascript|vbscript|data\s*:\s*text\/html)/i.test(attribute.value)) {
          problems.push(`an address that runs script in ${name}: ${describe(element)}`);
        }
      }
    }
    return problems;
  });
  assert.deepEqual(found, [], `${label}: ${page.url()} holds active content:\n  ${found.join('\n  ')}`);
}

/**
 * Runs axe-core (WCAG 2.0, 2.1 and 2.2 A and AA rules) in the page and fails, listing
 * each violation with its rule, help, the selectors of the elements and the page's URL,
 * when there is any.
 *
 * axe is evaluated through the DevTools protocol, not added as a script element, so it
 * runs under the page's Content-Security-Policy and with the page's JavaScript off.
 */
async function audit(page, label) {
  const results = await runAxe(page);
  const violations = results.violations;
  if (violations.length === 0) return;
  const lines = [];
  for (const violation of violations) {
    lines.push(`  ${violation.id} (${violation.impact}): ${violation.help}`);
    lines.push(`    ${violation.helpUrl}`);
    for (const node of violation.nodes.slice(0, 8)) {
      lines.push(`    - ${node.target.join(' ')}: ${node.html.replace(/\s+/g, ' ').slice(0, 160)}`);
      const summary = (node.failureSummary || '').split('\n').map((line) => line.trim()).filter(Boolean);
      if (summary.length > 0) lines.push(`      ${summary.slice(0, 3).join(' / ')}`);
    }
    if (violation.nodes.length > 8) lines.push(`    … and ${violation.nodes.length - 8} more`);
  }
  assert.fail(`axe found ${violations.length} accessibility violation(s) on ${label}\n  page: ${page.url()}\n${lines.join('\n')}`);
}

async function runAxe(page) {
  const scriptsOff = contextsWithoutScripts.has(page.context());
  const hasAxe = await page.evaluate('typeof window.axe === "object"');
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  if (scriptsOff) {
    // With the page's JavaScript off, timers never fire, and axe waits on them between
    // rules: they become microtasks, which run at the end of the evaluation. None of
    // the page's own scripts runs, so nothing else sees the change.
    await page.evaluate(() => {
      window.setTimeout = (callback, _delay, ...args) => {
        Promise.resolve().then(() => callback(...args));
        return 0;
      };
      window.clearTimeout = () => {};
    });
  }
  return page.evaluate(async (tags) => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return { violations: results.violations };
  }, AXE_TAGS);
}

/**
 * Writes full-page PNGs of the page at 360 px and 1280 px wide into the screenshot
 * folder (`<name>-360.png`, `<name>-1280.png`) and restores the viewport. Also fails
 * when, at 360 px, the page scrolls sideways (WCAG 1.4.10, reflow).
 */
async function screenshots(page, name) {
  const original = page.viewportSize() || { width: 1280, height: 800 };
  const written = [];
  try {
    for (const width of SCREENSHOT_WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      const file = path.join(screenshotDir, `${name}-${width}.png`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      written.push(file);
      if (width === 360) {
        const overflow = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          // The innermost elements that reach past the edge or whose content spills out,
          // with the start of their text.
          widest: (() => {
            const edge = document.documentElement.clientWidth + 1;
            const spills = (element) => element.getBoundingClientRect().right > edge
              || (element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX === 'visible'
                && element.getBoundingClientRect().left + element.scrollWidth > edge);
            // An element inside a scrolling box that ends within the screen is clipped by
            // it, unless it is positioned against a block outside that box.
            const clipped = (element) => {
              const fixed = ['absolute', 'fixed'].includes(getComputedStyle(element).position);
              for (let at = element.parentElement; at && at !== document.body; at = at.parentElement) {
                const style = getComputedStyle(at);
                if (fixed && style.position !== 'static') return false;
                if (!fixed && style.overflowX !== 'visible') return at.getBoundingClientRect().right <= edge;
              }
              return false;
            };
            const all = [...document.querySelectorAll('body *')].filter((element) => spills(element) && !clipped(element));
            return all.filter((element) => ![...element.children].some((child) => all.includes(child)))
              .map((element) => ({
                describe: `${getComputedStyle(element).position === 'absolute' ? 'absolutely positioned ' : ''}`
                  + `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}`
                  + `${typeof element.className === 'string' && element.className.trim() ? `.${element.className.trim().split(/\s+/).join('.')}` : ''}`
                  + ` «${(element.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 60)}»`,
              }));
          })(),
        }));
        if (overflow.scrollWidth > overflow.clientWidth + 1) {
          assert.fail(`${page.url()} scrolls sideways at 360 px (content ${overflow.scrollWidth} px wide; ` +
            `elements past the edge: ${overflow.widest.slice(0, 5).map((culprit) => culprit.describe).join(', ')})`);
        }
      }
    }
  } finally {
    await page.setViewportSize(original);
  }
  return written;
}

function slugify(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'page';
}

/** Opens a context with or without JavaScript, known to `audit`. */
async function newContext(browser, { javaScriptEnabled = true, ...options } = {}) {
  const context = await browser.newContext({ javaScriptEnabled, ...options });
  if (!javaScriptEnabled) contextsWithoutScripts.add(context);
  return context;
}

module.exports = { launchBrowser, newContext, Walk, MODES, audit, assertNoActiveContent, screenshots, securityHeaderProblems, parsePolicy, AXE_TAGS, slugify };
