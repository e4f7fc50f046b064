// A reader searches every library, picks a work and opens one library's record of it.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');
const { KRUGER, twoLibraries } = require('../support/fixtures');

world(twoLibraries);

journey('search every library, then a work, then one library\'s record of it', async (walk, { north, south, branch }) => {
  const { page } = walk;
  await walk.goto('/', { status: 200 });
  await page.getByRole('heading', { level: 1, name: 'Find a book in any library' }).waitFor();
  // The libraries that have joined are listed by name.
  await page.getByRole('link', { name: north.name, exact: true }).waitFor();
  await page.getByRole('link', { name: south.name, exact: true }).waitFor();
  await walk.check('front page');

  await page.getByLabel('Search every library').fill(KRUGER.query);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === KRUGER.query);
  await page.getByRole('heading', { level: 1, name: `Results for “${KRUGER.query}” in every library` }).waitFor();
  assert.equal(await page.getByLabel('Search every library').inputValue(), KRUGER.query, 'the query stays in the box');
  await walk.check('results in every library');

  // One work, held by both libraries, each named with its copies on the shelf.
  const work = page.locator('li.result').filter({ has: page.getByRole('heading', { level: 3, name: KRUGER.title }) });
  assert.equal(await work.count(), 1, 'the work is listed once');
  const holdings = work.locator('ul.holdings > li');
  assert.deepEqual(await holdings.locator('a').allInnerTexts(), [north.name, south.name].sort());
  const northHolding = holdings.filter({ has: page.getByRole('link', { name: north.name }) });
  assert.match(await northHolding.innerText(), new RegExp(`1 of 1 on the shelf.*${branch.name}: 1`));
  assert.match(await work.innerText(), /On the shelf now somewhere/);

  await work.getByRole('link', { name: north.name }).click();
  await page.waitForURL(new RegExp(`/${north.slug}/records/[^/]+$`));
  await page.getByRole('heading', { level: 1, name: KRUGER.title }).waitFor();
  // The library's own name in the header, the copies, and a drawn cover.
  await page.getByRole('banner').getByRole('link', { name: north.name }).waitFor();
  const copies = page.getByRole('table', { name: 'Copies by branch' });
  const row = copies.getByRole('row').filter({ hasText: branch.name });
  assert.equal(await row.count(), 1, 'the copy is listed under its branch');
  assert.match(await row.innerText(), /DT929 \.R4/);
  const cover = page.locator('.record .cover svg');
  assert.equal(await cover.count(), 1, 'the record page draws a cover');
  assert.equal(await cover.getAttribute('aria-hidden'), 'true', 'the drawn cover is decoration');
  await walk.check('record page');

  // The same work in the other library, which has no copy.
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: `Results for “${KRUGER.query}” in every library` }).waitFor();
  await page.locator('li.result').filter({ has: page.getByRole('heading', { level: 3, name: KRUGER.title }) })
    .getByRole('link', { name: south.name }).click();
  await page.waitForURL(new RegExp(`/${south.slug}/records/[^/]+$`));
  await page.getByText('This library has no copies of this yet.').waitFor();
  await walk.check('record page without copies');

  // Error states: a record and a library that do not exist.
  await walk.goto(`/${north.slug}/records/01a23cda-0000-7000-8000-000000000000`, { status: 404 });
  await walk.check('record not found');
  await walk.goto('/no-such-library/', { status: 404 });
  await walk.check('library not found');
});

journey('a library\'s accessibility statement, and its own forgotten-password page', async (walk, { north }) => {
  const { page } = walk;
  await walk.goto(`/${north.slug}/`, { status: 200 });
  await page.getByRole('contentinfo').getByRole('link', { name: 'Accessibility statement' }).click();
  await page.waitForURL((url) => url.pathname === `/${north.slug}/accessibility`);
  await page.getByRole('heading', { level: 2, name: 'Feedback and contact information' }).waitFor();
  await walk.check('accessibility statement');
  await walk.goto(`/${north.slug}/forgot-password`, { status: 200 });
  assert.equal(await page.getByLabel('Library code').count(), 0, 'a library\'s own page does not ask which library');
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.getByRole('alert').getByRole('link', { name: 'Enter your email address.' }).waitFor();
  await walk.check('forgotten password, nothing typed');
  await walk.goto('/verify-email?token=not-a-real-token', { status: 200 });
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('email confirmation refused');
});
