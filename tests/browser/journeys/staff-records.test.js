// A member of staff adds a record with the simple form, edits it, edits it as MARC text
// (a mistake named by its line), adds a copy, marks it missing, deletes it after the
// confirmation page, and downloads an export; another library's staff are refused.

'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');

const { world, journey } = require('../support/journey');
const { signIn, fill } = require('../support/pages');
const { sharedData } = require('../support/paths');

/** Ten records in ISO 2709 (the pymarc project's test file). */
const SMALL_FILE = path.join(sharedData, 'marc', 'pymarc', 'marc.dat');

world(async (server) => {
  const libraries = {};
  for (const mode of ['js', 'nojs']) {
    const library = await server.onboardLibrary({ slug: `records-${mode}`, name: `Records ${mode} Libraries` });
    const branch = await server.addBranch(library.admin.token, { code: 'main', name: 'Main Library' });
    libraries[mode] = { library, branch, staff: await server.addStaff(library, { name: `Rita Records ${mode}` }) };
  }
  const other = await server.onboardLibrary({ slug: 'elsewhere', name: 'Elsewhere Libraries' });
  return { libraries, other: { library: other, staff: await server.addStaff(other, { name: 'Otto Other' }) } };
});

/** Presses a button and waits for the next page. */
async function press(page, name) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('button', { name, exact: true }).click(),
  ]);
}

journey('a member of staff adds and edits a record and its copy', async (walk, { libraries }) => {
  const { page } = walk;
  const { library } = libraries[walk.mode.name];
  await signIn(walk, library.slug, libraries[walk.mode.name].staff);
  await page.waitForURL((url) => url.pathname === `/${library.slug}/staff/`);

  await page.getByRole('link', { name: 'Add a record', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Add a record' }).waitFor();
  await walk.check('add a record');
  await press(page, 'Add the record');
  await page.getByRole('alert').getByRole('link', { name: 'Enter the title.' }).waitFor();
  await walk.check('add a record without a title');

  await fill(page, 'Title', 'The lighthouse keeper');
  await fill(page, 'Subtitle', 'a winter story');
  await fill(page, 'Author', 'Marsh, Ellen');
  await fill(page, 'Year of publication', '2019');
  await fill(page, 'Subjects', 'Lighthouses\nWinter');
  await press(page, 'Add the record');
  await page.getByRole('heading', { level: 1, name: /The lighthouse keeper/ }).waitFor();
  const recordPath = new URL(page.url()).pathname;

  await page.getByRole('link', { name: 'Edit this record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Edit the record' }).waitFor();
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'The lighthouse keeper');
  await walk.check('edit a record');
  await fill(page, 'Edition', 'Second edition');
  await press(page, 'Save the record');
  await page.getByRole('status').getByText('Your changes are saved.').waitFor();

  await page.getByRole('link', { name: 'Edit as MARC' }).click();
  await page.getByRole('heading', { level: 1, name: 'Edit the record as MARC' }).waitFor();
  const marc = page.getByLabel('MARC record');
  const text = await marc.inputValue();
  assert.match(text, /^=LDR {2}/);
  assert.match(text, /=250 {2}\\\\\$aSecond edition/);
  await walk.check('edit as MARC');
  await marc.fill(`${text}=24 \n`);
  await press(page, 'Save the record');
  const lines = text.split('\n').filter((line) => line.trim() !== '').length;
  await page.getByRole('alert').getByRole('link', { name: `Line ${lines + 1}: "=24 " is not a field tag: a tag is three digits or letters` }).waitFor();
  await walk.check('MARC with a mistake');
  await marc.fill(text.replace('$aSecond edition', '$aThird edition'));
  await press(page, 'Save the record');
  await page.getByRole('status').getByText('Your changes are saved.').waitFor();

  await page.getByRole('link', { name: 'Add a copy' }).click();
  await page.getByRole('heading', { level: 1, name: 'Add a copy' }).waitFor();
  await walk.check('add a copy');
  await press(page, 'Add the copy');
  await page.getByRole('alert').getByRole('link', { name: 'Enter the barcode.' }).waitFor();
  await walk.check('add a copy without a barcode');
  await fill(page, 'Barcode', `B-${walk.mode.name}-1`);
  await page.getByLabel('Branch', { exact: true }).selectOption({ label: 'Main Library' });
  await fill(page, 'Call number', 'MAR');
  await press(page, 'Add the copy');
  assert.equal(new URL(page.url()).pathname, recordPath);

  await page.getByRole('link', { name: `Edit copy B-${walk.mode.name}-1` }).click();
  await page.getByRole('heading', { level: 1, name: `Copy B-${walk.mode.name}-1` }).waitFor();
  await walk.check('a copy');
  await page.getByLabel('New status').selectOption({ label: 'Missing' });
  await fill(page, 'Reason', 'not found at stocktake');
  await press(page, 'Change the status');
  await page.getByRole('status').getByText('Your changes are saved.').waitFor();

  await page.getByRole('link', { name: 'Delete this copy' }).click();
  await page.getByRole('heading', { level: 1, name: /Are you sure you want to delete copy/ }).waitFor();
  await walk.check('delete a copy');
  await press(page, 'Yes, delete this copy');
  await page.getByRole('status').getByText('Deleted.').waitFor();
});

journey('a member of staff adds a record as MARC and exports', async (walk, { libraries }) => {
  const { page } = walk;
  const { library } = libraries[walk.mode.name];
  await signIn(walk, library.slug, libraries[walk.mode.name].staff);
  await walk.goto(`/${library.slug}/staff/records/new-marc`, { status: 200 });
  await walk.check('add a record as MARC');
  await page.getByLabel('MARC record').fill('=LDR  00000nam\\a2200000\\i\\4500\n=245  00$aHarbour lights {dollar}5 edition\n');
  await press(page, 'Add the record');
  await page.getByRole('heading', { level: 1, name: /Harbour lights \$5 edition/ }).waitFor();

  await walk.goto(`/${library.slug}/staff/export`, { status: 200 });
  await walk.check('export');
  const response = await page.request.get(walk.server.href(`/${library.slug}/staff/export/download?which=all&syntax=marcxml`));
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-disposition'], /^attachment; filename="records-\w+-catalogue-\d{4}-\d\d-\d\d\.xml"$/);
  assert.match(await response.text(), /Harbour lights/);
  await page.getByRole('radio', { name: /The records a search finds/ }).check();
  await press(page, 'Download the file');
  await page.getByRole('alert').getByRole('link', { name: 'Enter the search words, or choose the whole catalogue.' }).waitFor();
  await walk.check('export without search words');
});

journey('another library\'s staff and forms without their token are refused', async (walk, { libraries, other }) => {
  const { page } = walk;
  const { library } = libraries[walk.mode.name];
  await signIn(walk, other.library.slug, other.staff);
  for (const path of ['staff/', 'staff/imports', 'staff/records/new', 'staff/export']) {
    await walk.goto(`/${library.slug}/${path}`, { status: 403 });
  }
  await walk.check('another library\'s staff page');
  const posted = await page.request.post(walk.server.href(`/${other.library.slug}/staff/records/new`), {
    form: { title: 'No token' },
    headers: { Origin: new URL(walk.server.url).origin },
  });
  assert.equal(posted.status(), 403);
});

/** Waits for `locator` on a page that refreshes itself with JavaScript, reloading it without. */
async function waitUntilVisible(walk, locator) {
  const deadline = Date.now() + 60_000;
  while (!(await locator.isVisible().catch(() => false))) {
    assert.ok(Date.now() < deadline, 'the import finished within a minute');
    await walk.page.waitForTimeout(500);
    if (!walk.mode.javaScriptEnabled) await walk.page.reload({ waitUntil: 'load' });
  }
}

journey('a member of staff previews an import and then imports it', async (walk, { libraries }) => {
  const { page } = walk;
  const { library } = libraries[walk.mode.name];
  await signIn(walk, library.slug, libraries[walk.mode.name].staff);
  await walk.goto(`/${library.slug}/staff/imports/new`, { status: 200 });
  await page.getByLabel('MARC file').setInputFiles(SMALL_FILE);
  await page.getByRole('checkbox', { name: /Preview first/ }).check();
  await press(page, 'Upload and import');
  await page.getByRole('heading', { level: 1, name: 'Preview of marc.dat' }).waitFor();
  const decisions = page.getByRole('table', { name: 'Records in file order' });
  await waitUntilVisible(walk, decisions);
  await page.waitForLoadState('load');
  assert.ok((await decisions.locator('tbody tr').count()) > 0, 'each record is listed');
  await walk.check('a finished preview');
  await press(page, 'Import this file');
  await page.getByRole('heading', { level: 1, name: 'Import of marc.dat' }).waitFor();
  // Checked once it finished: while it runs, the page reloads itself when it is done.
  await waitUntilVisible(walk, page.getByRole('heading', { level: 2, name: 'Problems' }));
  await page.waitForLoadState('load');
  await walk.check('the preview imported');
});
