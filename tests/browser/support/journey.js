// A journey is walked twice, with JavaScript on and with it off, each walk in a fresh
// browser context; both share the test file's server and browser, started once.
//
//   const { world, journey } = require('../support/journey');
//   const setting = world(async (server) => ({ library: await server.onboardLibrary() }));
//   journey('a reader asks for a new password', async (walk, { library }) => { … });
//
// A walk fails when its body fails or when anything that must never happen did (see
// Walk in browser.js); its page at that moment is kept as a screenshot and the failure
// names it, with the end of the server's log.

'use strict';

const { before, after, test } = require('node:test');
const path = require('node:path');

const { Athenaeum } = require('./server');
const { launchBrowser, Walk, MODES, slugify } = require('./browser');
const { screenshotDir } = require('./paths');

const shared = { server: null, browser: null, world: null };

/**
 * Starts the file's server and browser before its journeys, and `build(server)` (the
 * people and records they need) once; stops both after. Returns the shared state.
 */
function world(build = async () => ({})) {
  before(async () => {
    // Each is kept as soon as it runs, so that `after` stops it whatever else failed.
    const browser = launchBrowser().then((started) => { shared.browser = started; });
    const server = Athenaeum.start().then((started) => { shared.server = started; });
    const outcomes = await Promise.allSettled([server, browser]);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    shared.world = await build(shared.server);
  }, { timeout: 180_000 });
  after(async () => {
    if (shared.browser) await shared.browser.close().catch(() => {});
    if (shared.server) await shared.server.stop();
  });
  return shared;
}

/**
 * Declares a journey: `walk(walk, world, server)` runs once with JavaScript on and once
 * with it off. `modes` narrows that (for checks that mean nothing without scripts).
 */
function journey(name, body, { modes = MODES, timeout = 120_000 } = {}) {
  for (const mode of modes) {
    test(`${name} (${mode.label})`, { timeout }, async () => {
      if (!shared.server || !shared.world) throw new Error('journey() needs world() in the same file, and it did not start');
      const walk = await Walk.open(shared.browser, { mode, server: shared.server, journey: name });
      try {
        await body(walk, shared.world, shared.server);
        walk.assertNothingWrong();
      } catch (error) {
        error.message += await failureContext(walk, name, mode);
        throw error;
      } finally {
        await walk.close();
      }
    });
  }
}

async function failureContext(walk, name, mode) {
  const lines = [];
  const others = walk.problems();
  if (others.length > 0) lines.push(`also seen: ${others.join('; ')}`);
  try {
    const file = path.join(screenshotDir, slugify(name), mode.name, 'failure.png');
    await walk.page.screenshot({ path: file, fullPage: true });
    lines.push(`the page when it failed (${walk.page.url()}): ${file}`);
  } catch {
    // the page may be gone
  }
  const log = shared.server.log().trimEnd().split('\n').slice(-25).join('\n    ');
  if (log) lines.push(`the server's last log lines:\n    ${log}`);
  return lines.length > 0 ? `\n${lines.join('\n')}` : '';
}

module.exports = { world, journey, MODES };
