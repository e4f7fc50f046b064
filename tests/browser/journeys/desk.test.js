// A member of staff works the circulation desk as a barcode scanner does (a barcode
// typed, then Enter): finds a patron by card, lends copies one after another, is refused
// with every reason, overrides a block with a reason, renews, and checks a copy in that
// goes to the holds shelf for the next patron; the focus stays in the scan field. Staff
// of another library cannot open the desk.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');
const { signIn } = require('../support/pages');
const circulation = require('../support/circulation');

world(async (server) => {
  const desks = {};
  for (const mode of ['js', 'nojs']) {
    const library = await server.onboardLibrary({ slug: `desk-${mode}`, name: `Desk ${mode} Libraries` });
    const token = library.admin.token;
    const branch = await server.addBranch(token, { code: 'main', name: 'Main Library' });
    const group = await circulation.addPatronGroup(server, token);
    const patron = { branchId: branch.id, groupId: group.id };
    desks[mode] = {
      library,
      branch,
      staff: await server.addStaff(library, { name: `Dee Desk ${mode}` }),
      sita: await circulation.addPatron(server, token, { ...patron, name: 'Sita Patel', card: 'P0001' }),
      tom: await circulation.addPatron(server, token, { ...patron, name: 'Tom Reed', card: 'P0002' }),
      lighthouse: await circulation.addTitle(server, token, { title: 'The lighthouse keeper', barcodes: ['C0001'], branchId: branch.id }),
      birds: await circulation.addTitle(server, token, { title: 'Winter birds', barcodes: ['C0002'], branchId: branch.id }),
    };
  }
  const other = await server.onboardLibrary({ slug: 'desk-elsewhere', name: 'Elsewhere Libraries' });
  return { desks, other: await server.addStaff(other, { name: 'Otto Other' }) };
});

/** Types `value` into the field labelled `label` and presses Enter, as a scanner does. */
async function scan(page, label, value) {
  const field = page.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press('Enter');
}

/** Waits until the scan field has the focus again. */
async function focusIsIn(page, id) {
  await page.waitForFunction((wanted) => document.activeElement && document.activeElement.id === wanted, id);
}

journey('a member of staff lends, renews and checks in at the desk', async (walk, { desks }, server) => {
  const { page } = walk;
  // With JavaScript the script also repeats each outcome in a live region outside main.
  const main = page.getByRole('main');
  const desk = desks[walk.mode.name];
  const { library } = desk;
  await signIn(walk, library.slug, desk.staff);
  await walk.goto(`/${library.slug}/staff/`, { status: 200 });
  await page.getByRole('link', { name: 'Desk: check out and check in' }).click();
  // One branch: the desk is at it without asking.
  await page.getByRole('heading', { level: 1, name: 'Desk: check out' }).waitFor();
  await main.getByText('At Main Library.').waitFor();
  await focusIsIn(page, 'card');
  await walk.check('desk');

  await scan(page, 'Patron card', 'P9999');
  await page.getByRole('alert').getByRole('link', { name: 'No patron has the card or name P9999.' }).waitFor();
  await walk.check('no such card');

  await scan(page, 'Patron card', desk.sita.card);
  await page.getByRole('heading', { level: 1, name: 'Desk: Sita Patel' }).waitFor();
  await focusIsIn(page, 'itemBarcode');

  await scan(page, 'Copy barcode', 'C0001');
  await main.getByText('Lent: The lighthouse keeper (C0001), due').waitFor();
  const loans = page.getByRole('table');
  await loans.getByRole('cell', { name: 'The lighthouse keeper', exact: true }).waitFor();
  await focusIsIn(page, 'itemBarcode');
  await walk.check('lent');

  // The same copy again: refused, with the reason, and nothing to override.
  await scan(page, 'Copy barcode', 'C0001');
  await page.getByRole('alert').getByText('Sita Patel already has item C0001 on loan; renew it instead.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Lend anyway' }).count(), 0, 'not overridable');
  await focusIsIn(page, 'itemBarcode');
  await walk.check('refused');

  // Blocked: refused, but staff may lend anyway with a reason.
  await circulation.blockPatron(server, library.admin.token, { patronId: desk.sita.id, reason: 'Lost card reported' });
  await scan(page, 'Copy barcode', 'C0002');
  await page.getByRole('alert').getByText('Sita Patel is blocked: Lost card reported.').waitFor();
  await main.getByText(/Blocked since .*: Lost card reported/).waitFor();
  await page.getByRole('button', { name: 'Lend anyway' }).click();
  await page.getByRole('alert').getByRole('link', { name: 'Enter why you are lending it anyway.' }).waitFor();
  await walk.check('override without a reason');
  await page.getByLabel('Why lend it anyway').fill('Card found; block lifted tomorrow');
  await page.getByRole('button', { name: 'Lend anyway' }).click();
  await main.getByText('Lent: Winter birds (C0002), due').waitFor();
  await loans.getByRole('cell', { name: 'Winter birds', exact: true }).waitFor();

  // Tom waits for the lighthouse keeper, so it cannot be renewed; the block stops the other.
  await circulation.placeHold(server, library.admin.token, { patronId: desk.tom.id, recordId: desk.lighthouse.id, pickupBranchId: desk.branch.id });
  await page.getByRole('button', { name: 'Renew all' }).click();
  await main.getByText('Renewed 0 of 2 loans').waitFor();
  await page.getByRole('alert').getByText(/The lighthouse keeper \(C0001\): 1 other patron is waiting for item C0001/).waitFor();
  await page.getByRole('button', { name: 'Renew Winter birds (C0002)' }).click();
  await main.getByText('Not renewed: Winter birds (C0002)').waitFor();
  await walk.check('renewals refused');

  await page.getByRole('link', { name: 'Check in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Desk: check in' }).waitFor();
  await focusIsIn(page, 'itemBarcode');
  await scan(page, 'Copy barcode', 'C0001');
  await page.locator('.desk-instruction', { hasText: 'Hold shelf: for T. Reed, until' }).waitFor();
  await main.getByText('Returned: The lighthouse keeper (C0001)').waitFor();
  await focusIsIn(page, 'itemBarcode');
  await walk.check('checked in to the holds shelf');

  await scan(page, 'Copy barcode', 'NOPE');
  await page.getByRole('alert').getByRole('link', { name: 'No item of this library has barcode NOPE.' }).waitFor();
  await focusIsIn(page, 'itemBarcode');
  await walk.check('check in an unknown copy');
});

journey('staff of another library cannot open the desk', async (walk, { desks, other }) => {
  const { page } = walk;
  const { library } = desks[walk.mode.name];
  await signIn(walk, other.tenant, other);
  await walk.goto(`/${library.slug}/staff/desk`, { status: 403 });
  await page.getByRole('heading', { level: 1, name: 'You cannot see this page' }).waitFor();
  await walk.check('another library\'s desk');
});
