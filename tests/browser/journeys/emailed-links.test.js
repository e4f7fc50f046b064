// A person who forgot their password asks for a link, opens it from the mail and chooses
// a new one: the pages emailed links open, with HTML alone and with scripts.

'use strict';

const assert = require('node:assert/strict');

const { world, journey } = require('../support/journey');

world(async (server) => ({ library: await server.onboardLibrary({ slug: 'northshire' }) }));

journey('a forgotten password is replaced through the emailed link', async (walk, { library }, server) => {
  const { page } = walk;
  const person = await server.addStaff(library, { name: `Reader ${walk.mode.name}` });

  await walk.goto('/forgot-password', { status: 200 });
  await walk.check('forgotten password');
  await page.getByLabel('Library code').fill(library.slug);
  await page.getByLabel('Email address').fill(person.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  await walk.check('check your email');

  const mail = await server.waitForMail((message) => message.isTo(person.email) && message.link('/reset-password?token='));
  const link = mail.link('/reset-password?token=');
  assert.equal(new URL(link).origin, server.url, `the emailed link ${link} points at this server`);
  await walk.goto(link, { status: 200 });
  await page.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
  await walk.check('reset your password');

  // Two different passwords: the error summary says so and links to the field.
  await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await page.getByLabel('Type the new password again').fill('a different passphrase');
  await page.getByRole('button', { name: 'Save password' }).click();
  const summary = page.getByRole('alert');
  await summary.getByRole('heading', { name: 'There is a problem' }).waitFor();
  const problem = summary.getByRole('link', { name: 'The two passwords are not the same. Type them again.' });
  assert.equal(await problem.getAttribute('href'), '#confirm');
  assert.equal(await page.getByLabel('Type the new password again').getAttribute('aria-invalid'), 'true');
  await walk.check('reset your password, the passwords differ');

  await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
  await page.getByLabel('Type the new password again').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Password changed' }).waitFor();
  await walk.check('password changed');

  const session = await server.signIn(library.slug, person.email, 'a brand new passphrase');
  assert.ok(session.accessToken, 'the new password signs in');
});

journey('a reset link that is not valid says so', async (walk) => {
  const { page } = walk;
  await walk.goto('/reset-password?token=not-a-real-token', { status: 200 });
  await page.getByLabel('New password', { exact: true }).fill('another new passphrase');
  await page.getByLabel('Type the new password again').fill('another new passphrase');
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.getByRole('alert').getByRole('heading', { name: 'There is a problem' }).waitFor();
  await walk.check('reset link refused');
});
