// A member of staff imports a MARC file through the website and reads its report (the
// Library of Congress's records, then a file with broken records whose problems are
// listed), edits one of the imported records, adds a copy of it and finds it by search;
// the import pages with the keyboard alone.

'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');

const { world, journey } = require('../support/journey');
const { locBooks1000, sharedData } = require('../support/paths');
const { signIn } = require('../support/pages');
const { eventually } = require('../support/server');
const { walkTabOrder, tabUntil, focused } = require('../support/keyboard');

/** 383 records of which 16 are broken (the marc4j project's test file). */
const BROKEN_FILE = path.join(sharedData, 'marc', 'marc4j', 'pride-and-prejudice-with-many-errors.mrc');

world(async (server) => {
  // One library per walk, so that each walk's import finds an empty catalogue.
  const libraries = {};
  for (const mode of ['js', 'nojs']) {
    const library = await server.onboardLibrary({ slug: `catalogue-${mode}`, name: `Catalogue ${mode} Libraries` });
    const branch = await server.addBranch(library.admin.token, { code: 'central', name: 'Central Library' });
    libraries[mode] = { library, branch, staff: await server.addStaff(library, { name: `Cat Cataloguer ${mode}` }) };
  }
  return { libraries };
});

/** A record in the first thousand LC records. */
const KRUGER_QUERY = 'kruger transvaal';
/** A word in no LC record, put in the edited record's summary by each walk. */
const UNIQUE_WORD = { js: 'zebrawood', nojs: 'quillwort' };
const BARCODES = { js: '39990000004201', nojs: '39990000004202' };

/** Waits until the import page shows a finished import: by itself with JavaScript, reloaded without. */
async function waitForImport(walk) {
  const { page } = walk;
  const finished = page.getByRole('heading', { level: 2, name: 'Problems' });
  const deadline = Date.now() + 120_000;
  while (!(await finished.isVisible())) {
    assert.ok(Date.now() < deadline, 'the import finished within two minutes');
    if (walk.mode.javaScriptEnabled) {
      await finished.waitFor({ timeout: 120_000 });
    } else {
      // Without JavaScript the page says to reload it.
      await page.getByText('Reload this page to see its progress.').isVisible();
      await page.waitForTimeout(500);
      await page.reload({ waitUntil: 'load' });
    }
  }
}

/** Reads the import report's figures ("Records read", "New", …) as numbers. */
async function figures(page) {
  return page.locator('#progress dl.details').evaluate((list) => {
    const found = {};
    for (const term of list.querySelectorAll('dt')) {
      const value = term.nextElementSibling && term.nextElementSibling.textContent.trim();
      if (/^\d+$/.test(value)) found[term.textContent.trim()] = Number(value);
    }
    return found;
  });
}

/** Chooses a file, keeps the defaults, presses Upload and import, and waits for the report. */
async function importFile(walk, file) {
  const { page } = walk;
  await page.getByLabel('MARC file').setInputFiles(file);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('button', { name: 'Upload and import' }).click(),
  ]);
  await page.getByRole('heading', { level: 1, name: `Import of ${path.basename(file)}` }).waitFor();
  await waitForImport(walk);
}

journey('a member of staff imports a MARC file, reads its report, edits a record, adds a copy and finds it', async (walk, { libraries }, server) => {
  const { page } = walk;
  const { library, branch, staff } = libraries[walk.mode.name];
  await signIn(walk, library.slug, staff);
  await page.waitForURL((url) => url.pathname === `/${library.slug}/staff/`);
  await walk.check('staff start');

  await page.getByRole('link', { name: 'Import a MARC file' }).click();
  await page.getByRole('heading', { level: 1, name: 'Import a MARC file' }).waitFor();
  await walk.check('import a MARC file');

  // No file chosen: the page says so.
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('import without a file');

  // The Library of Congress's thousand records: all new, no problems.
  await importFile(walk, locBooks1000);
  assert.match(await page.getByRole('status').first().innerText(), /Finished/);
  const lc = await figures(page);
  assert.equal(lc['Records read'], 1000, JSON.stringify(lc));
  assert.equal(lc.New, 1000, JSON.stringify(lc));
  assert.equal(lc.Failed, 0, JSON.stringify(lc));
  await page.getByText('No problems.').waitFor();
  await walk.check('import report, no problems');
  await server.waitForSearch('transvaal', { tenant: library.slug, atLeast: 3 });

  // A file with broken records: the rest imported, each problem listed with its place.
  await walk.goto(`/${library.slug}/staff/imports/new`, { status: 200 });
  await importFile(walk, BROKEN_FILE);
  const broken = await figures(page);
  assert.equal(broken['Records read'], 383, JSON.stringify(broken));
  assert.ok(broken.Failed > 0 && broken.New > 0, `some records failed and the rest were imported: ${JSON.stringify(broken)}`);
  const problems = page.getByRole('table', { name: /in file order/ });
  const rows = problems.locator('tbody tr');
  assert.ok((await rows.count()) > 0, 'the problems are listed');
  await walk.check('import report with problems');
  await page.getByRole('link', { name: 'errors only' }).click();
  await page.waitForURL((url) => url.searchParams.get('show') === 'errors');
  const errors = await problems.locator('tbody tr td:nth-child(4)').allTextContents();
  assert.ok(errors.length > 0 && errors.every((text) => text === 'Error: not imported'), `only errors are listed: ${errors.join(', ')}`);
  await walk.check('import report, errors only');

  // The list of imports holds both, newest first.
  await page.getByRole('link', { name: 'Recent imports' }).click();
  const imports = page.getByRole('table', { name: 'Imports, newest first' });
  assert.deepEqual(
    (await imports.locator('tbody tr td:first-child').allTextContents()).slice(0, 2),
    [path.basename(BROKEN_FILE), path.basename(locBooks1000)],
  );
  await walk.check('recent imports');

  // One of the imported records, found from the staff start page and edited.
  await walk.goto(`/${library.slug}/staff/`, { status: 200 });
  await page.getByRole('searchbox', { name: 'Find a record' }).fill(KRUGER_QUERY);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('link', { name: /^The real Kruger and the Transvaal/ }).first().click();
  await page.waitForURL(new RegExp(`/${library.slug}/records/[^/?]+$`));
  const recordUrl = page.url();
  await walk.check('imported record, as staff');
  await page.getByRole('link', { name: 'Edit this record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Edit the record' }).waitFor();
  assert.match(await page.getByLabel('Title', { exact: true }).inputValue(), /^The real Kruger and the Transvaal/);
  await walk.check('edit the record');
  // The title emptied is refused, naming the field.
  const title = await page.getByLabel('Title', { exact: true }).inputValue();
  await page.getByLabel('Title', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Save the record' }).click();
  await page.getByRole('alert').getByRole('link', { name: 'Enter the title.' }).waitFor();
  await walk.check('edit the record, no title');
  const summary = `Read by the ${walk.mode.name} cataloguer: ${UNIQUE_WORD[walk.mode.name]}.`;
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Summary', { exact: true }).fill(summary);
  await page.getByRole('button', { name: 'Save the record' }).click();
  await page.waitForURL((url) => url.href.startsWith(recordUrl) && url.searchParams.get('notice') === 'saved');
  await page.getByRole('status').getByText('Your changes are saved.').waitFor();
  await page.getByText(summary).waitFor();
  await walk.check('record saved');

  // A copy of it, on the shelf at the branch.
  await page.getByRole('link', { name: 'Add a copy' }).click();
  await page.getByRole('heading', { level: 1, name: 'Add a copy' }).waitFor();
  await walk.check('add a copy');
  await page.getByRole('button', { name: 'Add the copy' }).click();
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('add a copy, nothing chosen');
  const barcode = BARCODES[walk.mode.name];
  await page.getByLabel('Barcode', { exact: true }).fill(barcode);
  await page.getByLabel('Branch', { exact: true }).selectOption({ label: branch.name });
  await page.getByLabel('Call number', { exact: true }).fill('DT929 .R4');
  await page.getByRole('button', { name: 'Add the copy' }).click();
  await page.waitForURL((url) => url.href.startsWith(recordUrl) && url.searchParams.get('notice') === 'created');
  const copy = page.getByRole('table', { name: 'Copies by branch' }).getByRole('row').filter({ hasText: barcode });
  assert.match(await copy.innerText(), /Central Library/);
  await walk.check('copy added');

  // Found by search: the public by the new summary's word, with the copy on the shelf;
  // staff by the barcode.
  await server.waitForSearch(UNIQUE_WORD[walk.mode.name], { tenant: library.slug });
  await walk.goto(`/${library.slug}/search?q=${UNIQUE_WORD[walk.mode.name]}`, { status: 200 });
  const found = page.locator('ol.results > li').filter({ has: page.getByRole('link', { name: /^The real Kruger and the Transvaal/ }) });
  await found.waitFor();
  await eventually(async () => {
    await page.reload();
    return /On the shelf now/.test(await found.innerText());
  }, { describe: () => 'the copy to show as on the shelf in the results' });
  await walk.check('found by the new summary');
  await walk.goto(`/${library.slug}/staff/`, { status: 200 });
  await page.getByRole('searchbox', { name: 'Find a record' }).fill(barcode);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('link', { name: /^The real Kruger and the Transvaal/ }).first().waitFor();
  await walk.check('found by the barcode');
});

journey('the import pages with the keyboard alone', async (walk, { libraries }) => {
  const { page } = walk;
  const { library, staff } = libraries[walk.mode.name];
  await signIn(walk, library.slug, staff);
  await page.waitForURL((url) => url.pathname === `/${library.slug}/staff/`);
  await walk.goto(`/${library.slug}/staff/imports/new`, { status: 200 });
  const stops = await walkTabOrder(page);
  assert.equal(stops[0].name, 'Skip to main content');
  assert.ok(stops.some((stop) => stop.id === 'file'), 'the file field is reached');

  // The radios and the checkbox are worked with the keyboard: Space and the arrows.
  await walk.goto(`/${library.slug}/staff/imports/new`, { status: 200 });
  await tabUntil(page, (stop) => stop.tag === 'input' && stop.name.includes('Replace it with the record from the file'));
  await page.keyboard.press('ArrowDown');
  assert.ok(await page.getByRole('radio', { name: /Keep the record already in the catalogue/ }).isChecked(), 'the arrow chose the other radio');
  await tabUntil(page, (stop) => stop.tag === 'input' && stop.name.includes('Preview first'));
  await page.keyboard.press('Space');
  assert.ok(await page.getByRole('checkbox', { name: /Preview first/ }).isChecked(), 'Space ticked the checkbox');
  const button = await tabUntil(page, 'Upload and import');
  assert.ok(button.focusVisible && button.indicator, 'the focused button can be seen');
  // Sent with no file: the error summary takes the focus or is the first thing after the skip link.
  await page.keyboard.press('Enter');
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('import with no file, by keyboard');
  const link = await tabUntil(page, (stop) => stop.within.some((part) => part.includes('error-summary')));
  await page.keyboard.press('Enter');
  const target = await focused(page);
  assert.equal(target.id, 'file', `the error's link moved the focus to the file field, not ${target.describe}`);
  void link;

  // The imports list, tabbed through.
  await walk.goto(`/${library.slug}/staff/imports`, { status: 200 });
  await walkTabOrder(page);
});
