// A reader registers as a patron from their account page, renews a loan (and is told
// why another cannot be renewed), places a hold from a title's page, changes where to
// collect it and cancels it, and chooses to keep their loan history, which downloads as
// CSV.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');
const { signIn } = require('../support/pages');
const circulation = require('../support/circulation');

world(async (server) => {
  const accounts = {};
  for (const mode of ['js', 'nojs']) {
    const library = await server.onboardLibrary({ slug: `account-${mode}`, name: `Account ${mode} Libraries` });
    const token = library.admin.token;
    const main = await server.addBranch(token, { code: 'main', name: 'Main Library' });
    const north = await server.addBranch(token, { code: 'north', name: 'North Library' });
    const group = await circulation.addPatronGroup(server, token);
    await circulation.openRegistration(server, token, { groupId: group.id });
    const tom = await circulation.addPatron(server, token, { name: 'Tom Reed', card: 'P0002', branchId: main.id, groupId: group.id });
    const titles = {
      lighthouse: await circulation.addTitle(server, token, { title: 'The lighthouse keeper', barcodes: ['C0001'], branchId: main.id }),
      birds: await circulation.addTitle(server, token, { title: 'Winter birds', barcodes: ['C0002'], branchId: main.id }),
      tides: await circulation.addTitle(server, token, { title: 'Tides of the north', barcodes: ['C0003'], branchId: main.id }),
    };
    // Tom has the only copy of Tides, so a hold on it waits in the queue.
    await circulation.lend(server, token, { patronId: tom.id, barcode: 'C0003', branchId: main.id });
    accounts[mode] = {
      library, main, north, tom, titles,
      reader: await server.addStaff(library, { name: `Rosa Reader ${mode}`, roles: ['PATRON'] }),
    };
  }
  return { accounts };
});

/** Presses a button and waits for the next page (with JavaScript or without). */
async function press(page, name) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('button', { name, exact: true }).click(),
  ]);
}

journey('a reader registers, renews, places and cancels a hold and keeps their history', async (walk, { accounts }, server) => {
  const { page } = walk;
  const account = accounts[walk.mode.name];
  const { library, titles } = account;
  const token = library.admin.token;
  await signIn(walk, library.slug, account.reader);
  await page.getByRole('banner').getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Register as a patron' }).waitFor();
  assert.equal(await page.getByLabel('Full name').inputValue(), account.reader.name);
  await walk.check('register');
  await page.getByLabel('The branch you will use most').selectOption({ label: 'Main Library' });
  await press(page, 'Register');
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await page.getByRole('status').getByText('You are registered as a patron.').waitFor();

  // The desk lends them two titles; Tom waits for one of them.
  const me = await server.graphql('query { patron { id } }', {}, account.reader.token);
  for (const barcode of ['C0001', 'C0002']) {
    await circulation.lend(server, token, { patronId: me.patron.id, barcode, branchId: account.main.id });
  }
  await circulation.placeHold(server, token, { patronId: account.tom.id, recordId: titles.birds.id, pickupBranchId: account.main.id });
  await walk.goto(`/${library.slug}/account`, { status: 200 });
  await page.getByRole('cell', { name: 'The lighthouse keeper', exact: true }).waitFor();
  await walk.check('loans');

  await press(page, 'Renew The lighthouse keeper');
  await page.getByRole('status').getByText(/^Renewed: The lighthouse keeper, now due/).waitFor();
  await press(page, 'Renew Winter birds');
  await page.getByRole('alert').getByText('1 other patron is waiting for item C0002, so it cannot be renewed.').waitFor();
  await page.getByText('Not renewed: Winter birds').waitFor();
  await walk.check('renewal refused');

  // A hold from the title's page, collected at Main, then at North, then cancelled.
  await walk.goto(`/${library.slug}/records/${titles.tides.id}`, { status: 200 });
  await page.getByLabel('Collect it at').selectOption({ label: 'Main Library' });
  await walk.check('record with the hold form');
  await press(page, 'Place a hold');
  await page.getByRole('status').getByText('Your hold on Tides of the north is placed: you are number 1 in the queue.').waitFor();
  await page.getByText('Waiting: number 1 in the queue. Collect at Main Library.').waitFor();
  await walk.check('hold placed');
  await page.getByLabel('Collect Tides of the north at').selectOption({ label: 'North Library' });
  await press(page, 'Change where to collect Tides of the north');
  await page.getByText('Waiting: number 1 in the queue. Collect at North Library.').waitFor();
  await press(page, 'Cancel the hold on Tides of the north');
  await page.getByRole('status').getByText('Your hold on Tides of the north is cancelled.').waitFor();
  await page.getByText('You have no holds.', { exact: false }).waitFor();

  // Keeping the history: what is returned from now on is listed, and downloads as CSV.
  await page.getByRole('link', { name: 'Your loan history and the choice to keep it' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your loan history' }).waitFor();
  await walk.check('history');
  await page.getByLabel('Yes, keep my loan history').check();
  await press(page, 'Save the choice');
  await page.getByRole('status').getByText('Your loan history will be kept from now on.').waitFor();
  await server.graphql(
    `mutation($input: Checkin!) { checkin(input: $input) { itemBarcode } }`,
    { input: { itemBarcode: 'C0001', branchId: account.main.id } },
    token,
  );
  await walk.goto(`/${library.slug}/account/history`, { status: 200 });
  await page.getByRole('cell', { name: 'The lighthouse keeper', exact: true }).waitFor();
  await walk.check('history kept');
  const csv = await page.request.get(server.href(`/${library.slug}/account/history.csv`));
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /^text\/csv/);
  const lines = (await csv.text()).trim().split('\r\n');
  assert.equal(lines[0], 'title,author,barcode,borrowed,returned');
  assert.match(lines[1], /^The lighthouse keeper,,C0001,/);
  await press(page, 'Delete my loan history');
  await page.getByRole('status').getByText('Your loan history is deleted.').waitFor();
  await page.getByText('Nothing is kept.').waitFor();
});
