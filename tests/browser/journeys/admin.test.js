// A library's administrator adds a branch and invites a member of staff, who accepts the
// emailed link, is signed in, and may work in this library's staff pages only.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');
const { signIn, signOut, fill } = require('../support/pages');

world(async (server) => ({
  north: await server.onboardLibrary({ slug: 'northshire', name: 'Northshire Libraries' }),
  south: await server.onboardLibrary({ slug: 'southmoor', name: 'Southmoor Libraries' }),
}));

journey('an administrator adds a branch and invites a member of staff, who accepts the emailed link', async (walk, { north, south }, server) => {
  const { page } = walk;
  const mode = walk.mode.name;
  await signIn(walk, north.slug, north.admin);
  await page.waitForURL((url) => url.pathname === `/${north.slug}/staff/`);
  await page.getByRole('status').getByText('You are signed in.').waitFor();
  await walk.check('staff start');

  await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await walk.check('settings');

  // A branch: refused with nothing typed, added with a code, name, address and hours.
  await page.getByRole('link', { name: 'Branches and shelving locations' }).click();
  await page.waitForURL((url) => url.pathname === `/${north.slug}/staff/settings/branches`);
  await walk.check('branches');
  await page.getByRole('link', { name: 'Add a branch' }).click();
  await page.getByRole('heading', { level: 1, name: 'Add a branch' }).waitFor();
  await walk.check('add a branch');
  await page.getByRole('button', { name: 'Add branch' }).click();
  const summary = page.getByRole('alert');
  await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.deepEqual(await summary.getByRole('link').allTextContents(), ["Enter the branch's code.", "Enter the branch's name."]);
  await walk.check('add a branch, nothing typed');
  const branchName = `East Library ${mode}`;
  await fill(page, 'Branch code', `east-${mode}`);
  await fill(page, 'Branch name', branchName);
  await fill(page, 'Address', '1 Harbour Street\nNorthshire\nNS1 2AB');
  await fill(page, 'Opening hours', 'Monday to Friday 9:00 to 17:00\nSaturday 10:00 to 13:00');
  await page.getByRole('button', { name: 'Add branch' }).click();
  await page.waitForURL((url) => url.pathname === `/${north.slug}/staff/settings/branches`);
  await page.getByRole('heading', { level: 2, name: `${branchName} (east-${mode})` }).waitFor();
  await walk.check('branch added');
  // The public sees it on the library's home page.
  const branches = await server.graphql(`query($tenant: String) { branches(tenant: $tenant) { nodes { name address } } }`, { tenant: north.slug });
  assert.ok(branches.branches.nodes.some((branch) => branch.name === branchName && branch.address.includes('Harbour Street')));

  // A member of staff: refused with nothing typed, then invited.
  await walk.goto(`/${north.slug}/staff/settings/`, { status: 200 });
  await page.getByRole('link', { name: 'Staff accounts' }).click();
  await page.getByRole('link', { name: 'Invite a staff member' }).click();
  await page.getByRole('heading', { level: 1, name: 'Invite a staff member' }).waitFor();
  await walk.check('invite a staff member');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('invite, nothing typed');
  const email = `sam.${mode}@northshire.test`;
  const name = `Sam Shelver ${mode}`;
  await fill(page, 'Full name', name);
  await fill(page, 'Email address', email);
  await page.getByRole('checkbox', { name: 'Staff' }).check();
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.getByRole('status').getByText('The invitation is sent.').waitFor();
  const row = page.getByRole('table', { name: 'Staff accounts' }).getByRole('row').filter({ hasText: email });
  assert.match(await row.innerText(), new RegExp(name));
  await walk.check('invitation sent');
  await signOut(walk);

  // The invited person opens the emailed link, chooses a password and is signed in.
  const mail = await server.waitForMail((message) => message.isTo(email) && message.link('/accept-invitation?token='));
  await walk.goto(mail.link('/accept-invitation?token='), { status: 200 });
  await page.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();
  await walk.check('choose your password');
  await fill(page, 'New password', 'shelving all day long');
  await fill(page, 'Type the new password again', 'shelving all day long');
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.waitForURL((url) => url.pathname === `/${north.slug}/staff/`);
  await page.getByRole('status').getByText('Welcome. Your password is saved and you are signed in.').waitFor();
  await page.getByRole('banner').getByText(name).waitFor();
  assert.equal(await page.getByRole('banner').getByRole('link', { name: 'Settings' }).count(), 0, 'staff see no Settings');
  await walk.check('welcome, signed in as staff');

  // The link works once.
  await walk.goto(mail.link('/accept-invitation?token='), { status: 200 });
  await fill(page, 'New password', 'another long passphrase');
  await fill(page, 'Type the new password again', 'another long passphrase');
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('invitation used twice');

  // Staff may not change the settings, nor enter another library's staff pages.
  await walk.goto(`/${north.slug}/staff/settings/`, { status: 403 });
  await walk.check('settings refused to staff');
  await walk.goto(`/${south.slug}/staff/`, { status: 403 });
  await walk.check('another library\'s staff pages refused');
  await walk.goto(`/${south.slug}/staff/imports/new`, { status: 403 });
  await walk.goto(`/${south.slug}/staff/settings/accounts`, { status: 403 });
});

journey('staff pages ask a visitor who is not signed in to sign in, and come back after', async (walk, { north }) => {
  const { page } = walk;
  await walk.goto(`/${north.slug}/staff/imports`);
  await page.waitForURL((url) => url.pathname === `/${north.slug}/sign-in`);
  await walk.check('asked to sign in');
  await page.getByLabel('Email address').fill(north.admin.email);
  await page.getByLabel('Password', { exact: true }).fill(north.admin.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === `/${north.slug}/staff/imports`);
  await walk.check('back where they were going');
});
