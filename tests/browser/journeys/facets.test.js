// A reader narrows a library's results with facets, and widens them again; sorting,
// paging, "did you mean" and a search that finds nothing.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');
const { oneLibrary } = require('../support/fixtures');

world(oneLibrary);

/** Returns the number in the results' heading ("314 results", "2 works"). */
async function total(page) {
  const heading = page.getByRole('heading', { level: 2, name: /^\d+ (results?|works?)$/ });
  return Number((await heading.innerText()).split(' ')[0]);
}

/** Returns the list of a facet's values, under its heading (e.g. "Language"). */
function facetValues(facets, heading) {
  return facets.locator('h3', { hasText: heading }).locator('xpath=following-sibling::ul[1]');
}

/** Returns the link that removes a chosen filter ("Remove filter Language: English ✕"). */
function removeLink(page, facet, label) {
  const escaped = `${facet}: ${label}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByRole('link', { name: new RegExp(`^Remove filter ${escaped}\\s*✕$`) });
}

journey('narrow a library\'s results with facets, sort and page them, and widen them again', async (walk, { north }) => {
  const { page } = walk;
  await walk.goto(`/${north.slug}/`, { status: 200 });
  await page.getByRole('heading', { level: 1, name: north.name }).waitFor();
  await walk.check('library home');

  await page.getByLabel(`Search ${north.name}`).fill('history');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL((url) => url.pathname === `/${north.slug}/search` && url.searchParams.get('q') === 'history');
  const everything = await total(page);
  assert.ok(everything > 50, `"history" finds more than 50 of the LC records (found ${everything})`);
  await walk.check('library results');

  const facets = page.getByRole('navigation', { name: 'Narrow your search' });
  // Each facet value is a link; the first language narrows the results.
  const english = facetValues(facets, 'Language').getByRole('link', { name: /^English \(\d+ results/ });
  const englishCount = Number((await english.innerText()).match(/\((\d+)/)[1]);
  await english.click();
  await page.waitForURL((url) => url.searchParams.getAll('f').includes('language:eng'));
  assert.equal(await total(page), englishCount, 'the count the facet promised');
  await removeLink(page, 'Language', 'English').waitFor();
  await walk.check('narrowed by language');

  // A second facet narrows further; both filters are shown, each with a Remove link.
  const subject = facetValues(facets, 'Subject').getByRole('link').first();
  const [, subjectLabel, subjectCount] = (await subject.textContent()).match(/^(.*?)\s*\((\d+) results?\)$/);
  await subject.click();
  await page.waitForURL((url) => url.searchParams.getAll('f').length === 2);
  assert.equal(await total(page), Number(subjectCount));
  assert.ok(Number(subjectCount) < englishCount, 'the second filter narrows the results');
  await removeLink(page, 'Subject', subjectLabel).waitFor();
  await walk.check('narrowed by language and subject');

  // Widen again, one filter at a time.
  await removeLink(page, 'Language', 'English').click();
  await page.waitForURL((url) => !url.searchParams.getAll('f').includes('language:eng'));
  assert.equal(new URL(page.url()).searchParams.getAll('f').length, 1, 'the subject filter stays');
  await walk.check('language filter removed');
  await removeLink(page, 'Subject', subjectLabel).click();
  await page.waitForURL((url) => url.searchParams.getAll('f').length === 0);
  assert.equal(await total(page), everything, 'every filter removed, every result is back');

  // Sort: newest first puts the years in descending order.
  await page.getByLabel('Sort by').selectOption({ label: 'Newest first' });
  await page.getByRole('button', { name: 'Sort', exact: true }).click();
  await page.waitForURL((url) => url.searchParams.get('sort') === 'newest');
  const years = (await page.locator('ol.results > li p').allInnerTexts())
    .map((text) => text.match(/, (\d{4})(,|$)/)).filter(Boolean).map((match) => Number(match[1]));
  assert.ok(years.length >= 5, `the results show their years (${years.join(', ')})`);
  assert.deepEqual(years, [...years].sort((left, right) => right - left), 'newest first');
  await walk.check('sorted newest first');

  // Pages: the next page, and back to the first.
  const pages = page.getByRole('navigation', { name: 'Pages of results' });
  await pages.getByRole('link', { name: 'Next page of results' }).click();
  await pages.getByText('Page 2').waitFor();
  await walk.check('second page');
  await pages.getByRole('link', { name: 'First page of results' }).click();
  await pages.getByText('Page 1').waitFor();

  // A misspelling is answered with a suggestion that searches for it.
  await walk.goto(`/${north.slug}/search?q=histroy`, { status: 200 });
  const suggestion = page.getByRole('link', { name: 'history', exact: true });
  await page.getByText('Did you mean').waitFor();
  await walk.check('did you mean');
  await suggestion.click();
  await page.waitForURL((url) => url.searchParams.get('q') === 'history');
  assert.equal(await total(page), everything);

  // Nothing found: said plainly, with a way to search every library.
  await walk.goto(`/${north.slug}/search?q=zzyzxqqj`, { status: 200 });
  assert.equal(await total(page), 0);
  await page.getByRole('link', { name: 'search every library' }).waitFor();
  await walk.check('nothing found');
});
