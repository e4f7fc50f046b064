// A library's administrator changes its profile, its lists, its item mappings and a
// member of staff's roles and account; an operator suspends and reactivates a library,
// reads a sent mail and starts a rebuild of the search index.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');
const { signIn, signOut, fill } = require('../support/pages');

world(async (server) => {
  const north = await server.onboardLibrary({ slug: 'northshire', name: 'Northshire Libraries' });
  const east = await server.onboardLibrary({ slug: 'eastdale', name: 'Eastdale Libraries' });
  const staff = {
    js: await server.addStaff(north, { name: 'Jo Shelver' }),
    nojs: await server.addStaff(north, { name: 'Noa Shelver' }),
  };
  return { north, east, staff };
});

/** The error summary's links, as [text, href]. */
async function problems(page) {
  const summary = page.getByRole('alert');
  await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
  return summary.getByRole('link').evaluateAll((links) => links.map((link) => [link.textContent, link.getAttribute('href')]));
}

journey('an administrator changes the profile, a material type and the item mappings', async (walk, { north }) => {
  const { page } = walk;
  const mode = walk.mode.name;
  await signIn(walk, north.slug, north.admin);
  await walk.goto(`/${north.slug}/staff/settings/`, { status: 200 });
  await walk.check('settings');

  // The header colour is refused when white text on it is hard to read, saying the ratio.
  await page.getByRole('link', { name: 'Library profile' }).click();
  await page.getByRole('heading', { level: 1, name: 'Library profile' }).waitFor();
  await walk.check('profile');
  await fill(page, 'Header colour', '#ffdd00');
  await fill(page, 'Phone number', '01234 567 890');
  await page.getByRole('button', { name: 'Save profile' }).click();
  const [[message, href]] = await problems(page);
  assert.match(message, /contrast ratio of 1\.\d+:1/);
  assert.equal(href, '#colour');
  assert.equal(await page.getByLabel('Phone number', { exact: true }).inputValue(), '01234 567 890', 'what was typed is kept');
  await walk.check('profile, colour refused');
  await fill(page, 'Header colour', '#5a1d6e');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('status').getByText('Your changes are saved.').waitFor();
  await walk.goto(`/${north.slug}/staff/settings/profile`, { status: 200 });
  assert.equal(await page.getByLabel('Header colour', { exact: true }).inputValue(), '#5a1d6e');

  // A material type is added, then renamed; a second one with its code is refused.
  await walk.goto(`/${north.slug}/staff/settings/material-types`, { status: 200 });
  await walk.check('material types');
  await page.getByRole('link', { name: 'Add a material type' }).click();
  await fill(page, 'Code', `BK-${mode}`);
  await fill(page, 'Name', `Book ${mode}`);
  await page.getByRole('button', { name: 'Add material type' }).click();
  await page.getByRole('status').getByText('Created.').waitFor();
  await page.getByRole('link', { name: `Rename Book ${mode}` }).click();
  await page.getByRole('heading', { level: 1, name: 'Rename a material type' }).waitFor();
  await walk.check('rename a material type');
  await fill(page, 'Name', `Printed book ${mode}`);
  await page.getByRole('button', { name: 'Save name' }).click();
  const types = page.getByRole('table', { name: 'Material types' });
  await types.getByRole('row').filter({ hasText: `Printed book ${mode}` }).waitFor();
  await page.getByRole('link', { name: 'Add a material type' }).click();
  await fill(page, 'Code', `BK-${mode}`);
  await fill(page, 'Name', 'Another');
  await page.getByRole('button', { name: 'Add material type' }).click();
  assert.equal((await problems(page))[0][1], '#code');
  await walk.check('material type code taken');

  // A new item mapping without its barcode and branch is refused, naming both fields.
  await walk.goto(`/${north.slug}/staff/settings/item-mappings`, { status: 200 });
  await walk.check('item mappings');
  const groups = page.locator('fieldset');
  const count = await groups.count();
  const newGroup = groups.nth(count - 2);
  await newGroup.getByLabel('Item field tag', { exact: true }).fill('949');
  await page.getByRole('button', { name: 'Save mappings' }).click();
  const refused = await problems(page);
  assert.equal(refused.length, 2);
  await walk.check('item mapping incomplete');
  const kept = page.locator('fieldset').nth(count - 2);
  assert.equal(await kept.getByLabel('Item field tag', { exact: true }).inputValue(), '949');
  await kept.getByLabel('Barcode', { exact: true }).fill('949$i');
  await kept.getByLabel('Branch code', { exact: true }).fill('949$a');
  await page.getByRole('button', { name: 'Save mappings' }).click();
  await page.getByRole('status').getByText('Your changes are saved.').waitFor();
  await walk.goto(`/${north.slug}/staff/settings/item-mappings`, { status: 200 });
  const saved = await page.locator('input[id$="-itemTag"]').evaluateAll((inputs) => inputs.map((input) => input.value));
  assert.ok(saved.includes('949'), `mappings now: ${saved}`);
  // Removed again, so that the other walk starts from the same mappings.
  const row = saved.indexOf('949');
  await page.locator(`#remove-${row}`).check();
  await page.getByRole('button', { name: 'Save mappings' }).click();
  await page.getByRole('status').getByText('Your changes are saved.').waitFor();
});

journey('an administrator makes a member of staff an administrator and disables their account', async (walk, { north, staff }) => {
  const { page } = walk;
  const person = staff[walk.mode.name];
  await signIn(walk, north.slug, north.admin);
  await walk.goto(`/${north.slug}/staff/settings/accounts`, { status: 200 });
  const accounts = page.getByRole('table', { name: 'Staff accounts' });
  const row = () => accounts.getByRole('row').filter({ hasText: person.email });
  assert.match(await row().innerText(), /Staff/);

  await page.getByRole('link', { name: `Change roles of ${person.name}` }).click();
  await page.getByRole('heading', { level: 1, name: `Change the roles of ${person.name}` }).waitFor();
  await walk.check('change roles');
  await page.getByRole('checkbox', { name: 'Staff' }).uncheck();
  await page.getByRole('button', { name: 'Save roles' }).click();
  const [[message, href]] = await problems(page);
  assert.equal(message, 'Choose at least one role.');
  assert.equal(href, '#roles');
  await walk.check('change roles, none chosen');
  await page.getByRole('checkbox', { name: 'Administrator' }).check();
  await page.getByRole('button', { name: 'Save roles' }).click();
  await page.getByRole('status').getByText('Your changes are saved.').waitFor();
  assert.match(await row().innerText(), /Administrator/);

  await page.getByRole('link', { name: `Disable the account of ${person.name}` }).click();
  await page.getByRole('heading', { level: 1, name: `Disable the account of ${person.name}?` }).waitFor();
  await walk.check('disable, confirm');
  await page.getByRole('button', { name: 'Disable account' }).click();
  await page.getByRole('status').getByText('The account is disabled and signed out everywhere.').waitFor();
  assert.match(await row().innerText(), /Disabled/);
  await walk.check('account disabled');

  // An administrator cannot disable their own account.
  await page.getByRole('link', { name: `Disable the account of ${north.admin.name}` }).click();
  await page.getByRole('button', { name: 'Disable account' }).click();
  await problems(page);
  await walk.check('disable own account refused');
  await signOut(walk);

  // The disabled person cannot sign in.
  await signIn(walk, north.slug, person);
  assert.match((await problems(page))[0][0], /disabled/);
  await walk.check('disabled account cannot sign in');
  await signIn(walk, north.slug, north.admin);
  await walk.goto(`/${north.slug}/staff/settings/accounts`, { status: 200 });
  await page.getByRole('link', { name: `Enable the account of ${person.name}` }).click();
  await page.getByRole('button', { name: 'Enable account' }).click();
  await page.getByRole('status').getByText('The account is enabled. The person can sign in again.').waitFor();
});

journey('an operator suspends and reactivates a library, reads a mail and rebuilds the search index', async (walk, { east }, server) => {
  const { page } = walk;
  await signIn(walk, 'platform', server.operator);
  await page.waitForURL((url) => url.pathname === '/operator/');
  const libraries = page.getByRole('table', { name: 'Libraries on the platform' });

  await page.getByRole('link', { name: `Suspend ${east.name}` }).click();
  await page.getByRole('heading', { level: 1, name: `Suspend ${east.name}?` }).waitFor();
  await walk.check('suspend, confirm');
  await page.getByRole('button', { name: 'Suspend library' }).click();
  await page.getByRole('status').getByText('The library is suspended.', { exact: false }).waitFor();
  assert.match(await libraries.getByRole('row').filter({ hasText: east.name }).innerText(), /Suspended/);
  await walk.check('library suspended');
  await page.getByRole('link', { name: `Reactivate ${east.name}` }).click();
  await page.getByRole('button', { name: 'Reactivate library' }).click();
  await page.getByRole('status').getByText('The library is back in service.').waitFor();
  assert.match(await libraries.getByRole('row').filter({ hasText: east.name }).innerText(), /In service/);

  // The invitation sent to the library's administrator, its link withheld.
  await page.getByRole('link', { name: 'Mail outbox' }).click();
  await page.getByLabel('Show').selectOption('SENT');
  await page.getByRole('button', { name: 'Show mail' }).click();
  await page.waitForURL((url) => url.searchParams.get('status') === 'SENT');
  await walk.check('sent mail');
  await page.getByRole('table').getByRole('link', { name: new RegExp(`to ${east.admin.email.replace('.', '\\.')}`) }).first().click();
  await page.getByRole('heading', { level: 1, name: `Mail to ${east.admin.email}` }).waitFor();
  const text = await page.locator('pre').innerText();
  assert.match(text, /withheld/);
  assert.doesNotMatch(text, /token=/);
  await walk.check('one mail');

  await walk.goto('/operator/search', { status: 200 });
  await page.getByLabel('Records of').selectOption({ label: east.name });
  await page.getByRole('button', { name: 'Rebuild search index' }).click();
  await page.waitForURL((url) => url.pathname === '/operator/search');
  // Started, or refused because the other walk's rebuild is still running.
  const started = await page.getByRole('status').count();
  if (!started) assert.ok((await problems(page)).length >= 1);
  await walk.check('rebuild asked for');
});
