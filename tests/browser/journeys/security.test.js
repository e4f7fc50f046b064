// What a visitor's browser must be protected from: forms posted without their token,
// session cookies a script could read or another site could send, text someone supplied
// (a catalogue record) running as script, sign-in sending the visitor to another site.
// Every page's Content-Security-Policy and the absence of inline script are checked on
// every page of every journey (see Walk in support/browser.js).

'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');

const { world, journey } = require('../support/journey');
const { eventually } = require('../support/server');
const { xssPayloads } = require('../support/paths');
const { signIn, signOut } = require('../support/pages');

/** The word every hostile record's title starts with, to find them all with one search. */
const MARKER = 'Quokkafrond';
/** The hostile title: a script element, an attribute breaking out of its quotes, and a javascript: link. */
const HOSTILE_TITLE = `${MARKER} <script>alert("title")</script> "onmouseover=alert('hover') x=" <a href="javascript:alert('link')">read me</a>`;
const HOSTILE_SUBTITLE = '<img src=x onerror=alert("subtitle")>';
/** How pages show the title proper with its remainder (245 $a and $b). */
const HOSTILE_FULL_TITLE = `${HOSTILE_TITLE} : ${HOSTILE_SUBTITLE}`;

/**
 * Payloads from the payloadbox list, spread over the whole file (every 400th line, as
 * many as fit on one page of results beside the hostile record): script tags, event
 * handlers, javascript: and data: addresses, SVG, encodings.
 */
function samplePayloads() {
  const lines = fs.readFileSync(xssPayloads, 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.filter((_, index) => index % 400 === 0);
}

world(async (server) => {
  const north = await server.onboardLibrary({ slug: 'northshire', name: 'Northshire Libraries' });
  const south = await server.onboardLibrary({ slug: 'southmoor', name: 'Southmoor Libraries' });
  const reader = await server.addStaff(north, { name: 'Rita Reader', roles: ['PATRON'] });
  const branch = await server.addBranch(north.admin.token, { code: 'main', name: 'Main Library' });
  const hostile = await server.createRecord(north.admin.token, {
    title: HOSTILE_TITLE,
    subtitle: HOSTILE_SUBTITLE,
    author: '<svg onload=alert("author")>, Mallory',
    publisher: '"><script>alert("publisher")</script>',
    year: 2024,
    subjects: ['<a href="javascript:alert(\'subject\')">Subject</a>'],
    summary: '<iframe src="javascript:alert(\'summary\')"></iframe>',
    note: '<body onload=alert("note")>',
  });
  await server.addItem(north.admin.token, hostile.id, {
    barcode: '39990000000666', branchId: branch.id, callNumber: '<b onmouseover=alert(1)>X</b>',
    publicNote: '<script>alert("item note")</script>',
  });
  const payloads = samplePayloads();
  const records = [];
  for (const [index, payload] of payloads.entries()) {
    records.push(await server.createRecord(north.admin.token, {
      title: `${MARKER} ${index} ${payload}`,
      author: payload,
      summary: payload,
    }));
  }
  await server.waitForSearch(MARKER, { tenant: north.slug, atLeast: payloads.length + 1 });
  return { north, south, reader, hostile, records, payloads };
});

journey('a form posted without its token, or with another, is refused', async (walk, { north, reader }) => {
  const { page } = walk;
  await walk.goto(`/${north.slug}/sign-in`, { status: 200 });
  await walk.check('sign in');
  const token = await page.locator('form input[name=csrf]').first().inputValue();
  assert.ok(token.length >= 16, 'the form carries a token');

  // Posted from the page itself, with the form cookie, but the token taken out.
  await page.locator('form input[name=csrf]').evaluateAll((inputs) => inputs.forEach((input) => input.remove()));
  await page.getByLabel('Email address').fill(reader.email);
  await page.getByLabel('Password', { exact: true }).fill(reader.password);
  const [refused] = await Promise.all([
    page.waitForResponse((response) => response.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  assert.equal(refused.status(), 403, 'a sign-in without its token is refused');
  await page.waitForLoadState('load');
  await walk.check('refused without a token');

  // A token that is not this visitor's.
  await walk.goto(`/${north.slug}/sign-in`, { status: 200 });
  await page.locator('form input[name=csrf]').evaluateAll((inputs) => {
    for (const input of inputs) input.value = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  });
  await page.getByLabel('Email address').fill(reader.email);
  await page.getByLabel('Password', { exact: true }).fill(reader.password);
  const [forged] = await Promise.all([
    page.waitForResponse((response) => response.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  assert.equal(forged.status(), 403, 'a sign-in with a forged token is refused');
  await page.waitForLoadState('load');

  // Neither signed anyone in.
  const cookies = await walk.context.cookies();
  assert.ok(!cookies.some((cookie) => cookie.name === 'athenaeum_session' && cookie.value), 'no session was started');
});

journey('signing in sets a session cookie scripts cannot read and other sites cannot send, and signing out ends it', async (walk, { north, reader }) => {
  const { page } = walk;
  await signIn(walk, north.slug, { ...reader, password: 'not the password at all' });
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('sign in refused');

  await signIn(walk, north.slug, reader);
  await page.waitForURL((url) => url.pathname === `/${north.slug}/`);
  await page.getByRole('status').getByText('You are signed in.').waitFor();
  await page.getByRole('banner').getByText(reader.name).waitFor();
  await walk.check('signed in');

  const cookies = await walk.context.cookies();
  const session = cookies.find((cookie) => cookie.name === 'athenaeum_session');
  assert.ok(session && session.value, `a session cookie is set (cookies: ${cookies.map((cookie) => cookie.name).join(', ')})`);
  assert.equal(session.httpOnly, true, 'the session cookie is HttpOnly');
  assert.equal(session.sameSite, 'Lax', 'the session cookie is SameSite=Lax');
  assert.equal(session.path, '/');
  assert.equal(session.expires, -1, 'the session cookie ends with the browser');
  if (walk.mode.javaScriptEnabled) {
    assert.ok(!(await page.evaluate(() => document.cookie)).includes('athenaeum_session'), 'scripts cannot read it');
  }
  for (const cookie of cookies) {
    assert.equal(cookie.httpOnly, true, `the cookie ${cookie.name} is HttpOnly`);
    assert.equal(cookie.sameSite, 'Lax', `the cookie ${cookie.name} is SameSite=Lax`);
  }

  await signOut(walk);
  await walk.check('signed out');
  const after = await walk.context.cookies();
  assert.ok(!after.some((cookie) => cookie.name === 'athenaeum_session' && cookie.value), 'the session cookie is gone');
});

journey('sign-in goes back to a page of this site, never to another site', async (walk, { north, reader }) => {
  const { page } = walk;
  const own = new URL(walk.server.url);
  // A page of this site is where the reader is sent back to.
  await signIn(walk, north.slug, reader, { path: `/${north.slug}/sign-in?return=${encodeURIComponent(`/${north.slug}/search?q=quokkafrond`)}` });
  await page.waitForURL((url) => url.pathname === `/${north.slug}/search`);
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.searchParams.get('notice') === 'signed-out');

  for (const elsewhere of ['https://evil.example/', '//evil.example/', '/\\evil.example/', 'https:evil.example', '\\\\evil.example', 'javascript:alert(1)']) {
    await signIn(walk, north.slug, reader, { path: `/${north.slug}/sign-in?return=${encodeURIComponent(elsewhere)}` });
    const landed = new URL(page.url());
    assert.equal(landed.origin, own.origin, `return=${elsewhere} sent the reader to ${page.url()}`);
    await page.getByRole('status').getByText('You are signed in.').waitFor();
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.searchParams.get('notice') === 'signed-out');
  }
  await walk.check('signed out after the last attempt');
});

journey('a record whose fields hold script is shown as text everywhere', async (walk, { north, hostile, payloads }, server) => {
  const { page } = walk;
  // The library's results.
  await walk.goto(`/${north.slug}/search?q=${MARKER}`, { status: 200 });
  await page.getByRole('heading', { level: 2, name: `${payloads.length + 1} results` }).waitFor();
  const titles = await page.locator('ol.results h3').allTextContents();
  assert.ok(titles.includes(HOSTILE_FULL_TITLE), `the hostile title is shown as typed; shown: ${titles.filter((title) => title.includes('alert("title")')).join(' | ')}`);
  for (const [index, payload] of payloads.entries()) {
    assert.ok(titles.includes(`${MARKER} ${index} ${payload}`), `payload ${index} is shown as typed: ${payload}`);
  }
  await page.locator('ol.results li').first().hover();
  await walk.check('hostile records in the results');

  // Every library's results.
  await walk.goto(`/search?q=${MARKER}`, { status: 200 });
  const works = await page.locator('ol.results h3').allTextContents();
  assert.ok(works.includes(HOSTILE_FULL_TITLE), 'the hostile title is shown as typed in every library\'s results');
  await walk.check('hostile records in every library\'s results');

  // The record page: title, fields and copy, hovered over.
  await walk.goto(`/${north.slug}/records/${hostile.id}`, { status: 200 });
  assert.ok([HOSTILE_TITLE, HOSTILE_FULL_TITLE].includes(await page.getByRole('heading', { level: 1 }).textContent()),
    'the record page\'s heading is the hostile title as typed');
  const main = await page.locator('main').textContent();
  for (const text of ['<img src=x onerror=alert("subtitle")>', '<svg onload=alert("author")>', '<script>alert("item note")</script>', '<b onmouseover=alert(1)>X</b>']) {
    assert.ok(main.includes(text), `the record page shows ${text} as text`);
  }
  await page.getByRole('heading', { level: 1 }).hover();
  await page.locator('table').hover();
  await walk.check('hostile record page');

  // Each sampled payload's record page.
  for (const record of (await server.graphql(
    `query($query: String!, $tenant: String) { search(query: $query, tenant: $tenant, first: 100) { hits { recordId title } } }`,
    { query: MARKER, tenant: north.slug },
  )).search.hits.slice(0, 3)) {
    await walk.goto(`/${north.slug}/records/${record.recordId}`, { status: 200 });
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), record.title);
    await walk.check(`payload record ${record.title.slice(MARKER.length + 1, MARKER.length + 4)}`);
  }

  if (walk.mode.javaScriptEnabled) {
    // The suggestions under the search box show the titles as text too.
    await walk.goto(`/${north.slug}/`, { status: 200 });
    await page.getByLabel(`Search ${north.name}`).pressSequentially(MARKER.slice(0, 6), { delay: 30 });
    await eventually(async () => (await page.getByRole('option').count()) > 0, { describe: () => 'suggestions' });
    await walk.check('hostile suggestions');
  }
  assert.deepEqual(walk.dialogs, [], 'no script ran');
});
