// Steps many journeys take through the website's own pages.

'use strict';

const assert = require('node:assert/strict');

/**
 * Signs `person` in through `/{slug}/sign-in` (or `path`) as a visitor would: types the
 * email address and password and presses Sign in. Returns once the next page loaded.
 */
async function signIn(walk, slug, person, { path = `/${slug}/sign-in` } = {}) {
  const { page } = walk;
  await walk.goto(path, { status: 200 });
  await page.getByLabel('Email address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
}

/**
 * Signs out with the header's Sign out button and waits for the page that says so (or,
 * with `said: false`, for the next page).
 */
async function signOut(walk, { said = true } = {}) {
  const { page } = walk;
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click(),
  ]);
  if (said) await page.getByRole('status').getByText('You are signed out.').waitFor();
  assert.equal(await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).count(), 0, 'signed out');
}

/** Fills a form field found by its label, exactly. */
async function fill(page, label, value) {
  await page.getByLabel(label, { exact: true }).fill(value);
}

module.exports = { signIn, signOut, fill };
