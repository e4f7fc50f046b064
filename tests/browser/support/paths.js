// Where things are: the repository, the shared test data beside it (read in place, never
// copied into the repository), and the folder screenshots are written to.

'use strict';

const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR
  ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
  : path.join(repoRoot, 'target');
const sharedData = path.resolve(repoRoot, '..', 'shared', 'data');

module.exports = {
  repoRoot,
  /** ../shared/data beside the repository: real test data, read in place. */
  sharedData,
  targetDir,
  /** PNGs of every page visited, at 360 and 1280 px: not committed. */
  screenshotDir: process.env.ATHENAEUM_BROWSER_SCREENSHOTS
    ? path.resolve(process.env.ATHENAEUM_BROWSER_SCREENSHOTS)
    : path.join(targetDir, 'browser-screenshots'),
  /** Library of Congress book records, 2016 (MARC-8 and UTF-8 ISO 2709). */
  locBooks1000: path.join(sharedData, 'marc', 'loc-books-2016', 'BooksAll.2016.part01.first1000.mrc'),
  locBooks10000: path.join(sharedData, 'marc', 'loc-books-2016', 'BooksAll.2016.part01.first10000.mrc'),
  /** The payloadbox list of XSS payloads, one a line. */
  xssPayloads: path.join(sharedData, 'xss', 'payloadbox-xss-payload-list.txt'),
};
