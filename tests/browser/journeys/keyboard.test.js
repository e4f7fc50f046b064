// The search and results pages with the keyboard alone: the first Tab reaches the skip
// link, the focus can always be seen, and Tab follows the reading order.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');
const { oneLibrary } = require('../support/fixtures');
const { tab, focused, walkTabOrder, tabUntil } = require('../support/keyboard');

world(oneLibrary);

journey('the front page, search and results with the keyboard alone', async (walk, { north }) => {
  const { page } = walk;
  await walk.goto('/', { status: 200 });

  // The first Tab reaches the skip link, shown where it can be seen; it moves the focus
  // to the main content, from where the next Tab reaches the search box.
  const first = await tab(page);
  assert.equal(first.name, 'Skip to main content', `the first Tab reached ${first.describe}`);
  assert.ok(first.focusVisible && first.indicator && first.inViewport, 'the focused skip link can be seen');
  await walk.check('skip link focused');
  await page.keyboard.press('Enter');
  const main = await focused(page);
  assert.equal(main.tag, 'main', `the skip link moved the focus to ${main.describe}`);
  const search = await tab(page);
  assert.equal(search.id, 'q', `after the skip link, Tab reached ${search.describe}`);
  assert.ok(search.focusVisible && search.indicator, 'the focused search box can be seen');

  await page.keyboard.type('history');
  if (walk.mode.javaScriptEnabled) {
    // Suggestions appear under the box (a combobox); the arrows move through them and
    // the box says which is active.
    const suggestions = page.getByRole('listbox', { name: 'Suggestions' });
    await suggestions.getByRole('option').first().waitFor();
    await walk.check('suggestions under the search box');
    await page.keyboard.press('ArrowDown');
    const active = await page.locator('#q').getAttribute('aria-activedescendant');
    assert.ok(active, 'the first suggestion is active');
    const option = page.locator(`#${active}`);
    assert.equal(await option.getAttribute('aria-selected'), 'true');
    // Enter takes the active suggestion and searches for it.
    const chosen = await option.textContent();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === chosen);
    await walk.check('results for a suggestion');
    await walk.goto('/search?q=history', { status: 200 });
  } else {
    await walk.check('typing in the search box');
    await page.keyboard.press('Enter');
  }
  await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'history');
  await walk.check('results in every library');

  // Every stop on the results page, in reading order, with the focus visible.
  const stops = await walkTabOrder(page);
  assert.equal(stops[0].name, 'Skip to main content');
  assert.ok(stops.some((stop) => stop.id === 'sort'), 'the sort control is reached');
  assert.ok(stops.some((stop) => /^English \(\d+/.test(stop.name)), 'the facet values are reached');

  // A library's results: narrow and widen with the keyboard.
  await walk.goto(`/${north.slug}/search?q=history`, { status: 200 });
  await walkTabOrder(page);
  await walk.goto(`/${north.slug}/search?q=history`, { status: 200 });
  await tabUntil(page, /^English \(\d+/);
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.searchParams.getAll('f').includes('language:eng'));
  await walk.check('narrowed with the keyboard');
  const remove = await tabUntil(page, /^Remove filter Language: English/);
  assert.ok(remove.focusVisible && remove.indicator, 'the focused Remove link can be seen');
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.searchParams.getAll('f').length === 0);

  // Sort with the keyboard: the select, then its button.
  await tabUntil(page, 'Sort by');
  await page.keyboard.press('ArrowDown');
  await tabUntil(page, 'Sort');
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.searchParams.get('sort') === 'newest');

  // A result, opened with Enter: the record page's own order.
  await tabUntil(page, (stop) => stop.tag === 'a' && stop.within.includes('ol.results'));
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/${north.slug}/records/`));
  await walk.check('record opened with the keyboard');
  await walkTabOrder(page);
});
