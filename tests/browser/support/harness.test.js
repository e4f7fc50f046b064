// The harness itself: an accessibility violation, a missing security header and a page
// that scrolls sideways on a phone are each caught and reported readably; mail is read
// as a mail client shows it. No server is needed.

'use strict';

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');

const { launchBrowser, newContext, audit, screenshots, securityHeaderProblems } = require('./browser');
const { parseMessage } = require('./server');

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { if (browser) await browser.close(); });

const INACCESSIBLE = `<!doctype html><html lang="en"><head><title>Broken</title></head><body>
<main><h1>Broken</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" class="cover">
<form><input id="q" name="q"></form></main></body></html>`;

for (const javaScriptEnabled of [true, false]) {
  test(`an accessibility violation fails the audit with its rule, help, element and page (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const context = await newContext(browser, { javaScriptEnabled });
    try {
      const page = await context.newPage();
      await page.setContent(INACCESSIBLE);
      await assert.rejects(audit(page, 'the broken page'), (error) => {
        assert.match(error.message, /accessibility violation\(s\) on the broken page/);
        assert.match(error.message, /page: about:blank/);
        assert.match(error.message, /image-alt \(critical\): Images must have alternative text/);
        assert.match(error.message, /- img: <img [^\n]*class=\"cover\"/);
        assert.match(error.message, /label \(critical\): Form elements must have labels/);
        assert.match(error.message, /- #q: <input id=\"q\" name=\"q\">/);
        return true;
      });
    } finally {
      await context.close();
    }
  });
}

test('an accessible page passes the audit with JavaScript off', async () => {
  const context = await newContext(browser, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.setContent(`<!doctype html><html lang="en"><head><title>Fine</title></head><body>
      <main><h1>Fine</h1><form><label for="q">Search</label><input id="q" name="q"></form></main></body></html>`);
    await audit(page, 'the fine page');
  } finally {
    await context.close();
  }
});

test('a page wider than a phone fails the screenshots with the elements past the edge', async () => {
  const context = await newContext(browser, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.setContent(`<!doctype html><html lang="en"><head><title>Wide</title></head><body>
      <main><h1>Wide</h1><pre class="marc">${'x'.repeat(300)}</pre></main></body></html>`);
    await assert.rejects(screenshots(page, 'harness/wide'), /scrolls sideways at 360 px .*pre\.marc/);
  } finally {
    await context.close();
  }
});

test('a page without frame-ancestors none or that allows inline script is reported', () => {
  assert.deepEqual(securityHeaderProblems({}), ['no Content-Security-Policy header']);
  assert.deepEqual(securityHeaderProblems({ 'content-security-policy': "default-src 'self'; frame-ancestors 'none'" }), []);
  assert.match(securityHeaderProblems({ 'content-security-policy': "default-src 'self'" })[0], /without frame-ancestors 'none'/);
  assert.match(
    securityHeaderProblems({ 'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'" })[0],
    /lets scripts run from 'unsafe-inline'/,
  );
  assert.match(
    securityHeaderProblems({ 'content-security-policy': "default-src *; frame-ancestors 'none'" })[0],
    /lets scripts run from \*/,
  );
});

test('a soft-wrapped quoted-printable link is read whole', () => {
  const message = 'From: Athenaeum <no-reply@localhost>\r\nTo: ada@north.test\r\nSubject: You\r\n are invited\r\n' +
    'Content-Transfer-Encoding: quoted-printable\r\n\r\n' +
    'Choose a password:\r\n\r\nhttp://127.0.0.1:1/accept-invitation?token=3D0190=\r\nabc.d=C3=A9f\r\n';
  const mail = parseMessage(message, 'x.eml');
  assert.equal(mail.to, 'ada@north.test');
  assert.equal(mail.subject, 'You are invited');
  assert.ok(mail.isTo('ADA@north.test'));
  assert.equal(mail.link('/accept-invitation?token='), 'http://127.0.0.1:1/accept-invitation?token=0190abc.déf');
});
