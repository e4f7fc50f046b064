// A platform operator signs in and onboards a library authority, whose administrator
// accepts the emailed invitation and finds the library's pages ready; the operator's
// pages are refused to everyone else.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');
const { signIn, signOut, fill } = require('../support/pages');

world(async (server) => ({
  north: await server.onboardLibrary({ slug: 'northshire', name: 'Northshire Libraries' }),
}));

journey('an operator onboards a library, whose administrator accepts the emailed invitation', async (walk, { north }, server) => {
  const { page } = walk;
  const mode = walk.mode.name;
  await signIn(walk, 'platform', server.operator);
  await page.waitForURL((url) => url.pathname === '/operator/');
  await page.getByRole('status').getByText('You are signed in.').waitFor();
  const libraries = page.getByRole('table', { name: 'Libraries on the platform' });
  await libraries.getByRole('row').filter({ hasText: north.name }).waitFor();
  await walk.check('operating the platform');

  await page.getByRole('link', { name: 'Onboard a library authority' }).click();
  await page.getByRole('heading', { level: 1, name: 'Onboard a library authority' }).waitFor();
  await walk.check('onboard a library authority');
  await page.getByRole('button', { name: 'Onboard library' }).click();
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('onboard, nothing typed');

  // A short name already taken is refused, naming the field.
  const name = `Westmarch Libraries ${mode}`;
  const slug = `westmarch-${mode}`;
  const adminEmail = `wendy@westmarch-${mode}.test`;
  await fill(page, "Library authority's name", name);
  await fill(page, 'Short name for addresses', north.slug);
  await page.getByLabel('Time zone').selectOption('Europe/London');
  await fill(page, "Authority's contact email address", `libraries@westmarch-${mode}.test`);
  await fill(page, 'Full name', `Wendy Warden ${mode}`);
  await fill(page, 'Email address', adminEmail);
  await page.getByRole('button', { name: 'Onboard library' }).click();
  const summary = page.getByRole('alert');
  await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.equal(await summary.getByRole('link').first().getAttribute('href'), '#slug', 'the problem links to the short name');
  assert.equal(await page.getByLabel("Library authority's name", { exact: true }).inputValue(), name, 'what was typed is kept');
  await walk.check('onboard, short name taken');

  await fill(page, 'Short name for addresses', slug);
  await page.getByRole('button', { name: 'Onboard library' }).click();
  await page.waitForURL((url) => url.pathname === '/operator/');
  await page.getByRole('status').getByText('The library is set up and its administrator is invited.').waitFor();
  const row = libraries.getByRole('row').filter({ hasText: name });
  assert.match(await row.innerText(), /In service/);
  await walk.check('library onboarded');

  // The other operator pages: mail and the search index.
  await page.getByRole('link', { name: 'Mail outbox' }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await walk.check('mail outbox');
  await walk.goto('/operator/search', { status: 200 });
  await walk.check('search index');
  // The platform has no home page of its own: signing out leads to the front page, which
  // says so.
  await signOut(walk);
  assert.equal(new URL(page.url()).pathname, '/');
  await walk.check('signed out at the front page');

  // The new library's administrator accepts the invitation and lands in its staff pages.
  const mail = await server.waitForMail((message) => message.isTo(adminEmail) && message.link('/accept-invitation?token='));
  await walk.goto(mail.link('/accept-invitation?token='), { status: 200 });
  await fill(page, 'New password', 'westmarch reads a lot');
  await fill(page, 'Type the new password again', 'westmarch reads a lot');
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.waitForURL((url) => url.pathname === `/${slug}/staff/`);
  await page.getByRole('banner').getByRole('link', { name: 'Settings' }).waitFor();
  await walk.check('new library\'s staff start');
  await walk.goto(`/${slug}/`, { status: 200 });
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await walk.check('new library\'s home page');

  // Its administrator is no operator.
  await walk.goto('/operator/', { status: 403 });
  await walk.check('operator pages refused to a library\'s administrator');
});

journey('the operator pages ask a visitor who is not signed in to sign in at the platform', async (walk) => {
  await walk.goto('/operator/');
  await walk.page.waitForURL((url) => url.pathname === '/platform/sign-in');
  await walk.check('platform sign in');
});
