// Circulation worlds journeys share, made over GraphQL as a library's administrator: a
// patron group, patrons with cards, records with copies, holds and loans.

'use strict';

/** Creates a patron group; returns `{ id, code, name }`. */
async function addPatronGroup(server, adminToken, { code = 'ADULT', name = 'Adults' } = {}) {
  const data = await server.graphql(
    `mutation($input: SavePatronGroup!) { savePatronGroup(input: $input) { id code name } }`,
    { input: { code, name } },
    adminToken,
  );
  return data.savePatronGroup;
}

/** Creates a patron with one card; returns `{ id, name, card }`. */
async function addPatron(server, staffToken, { name, card, branchId, groupId, email = null }) {
  const data = await server.graphql(
    `mutation($input: SavePatron!) { savePatron(input: $input) { id name cards } }`,
    { input: { name, email, homeBranchId: branchId, patronGroupId: groupId, cards: [card] } },
    staffToken,
  );
  return { id: data.savePatron.id, name: data.savePatron.name, card };
}

/** Creates a record titled `title` with a copy per barcode; returns `{ id, title, barcodes }`. */
async function addTitle(server, staffToken, { title, author = null, barcodes, branchId }) {
  const record = await server.createRecord(staffToken, { title, author });
  for (const barcode of barcodes) {
    await server.addItem(staffToken, record.id, { barcode, branchId });
  }
  return { id: record.id, title, barcodes };
}

/** Lends a copy to a patron as staff; fails when refused. */
async function lend(server, staffToken, { patronId, barcode, branchId }) {
  const data = await server.graphql(
    `mutation($input: Checkout!) { checkout(input: $input) { loan { id } decision { reasons { message } } } }`,
    { input: { patronId, itemBarcode: barcode, branchId } },
    staffToken,
  );
  if (!data.checkout.loan) throw new Error(`${barcode} was not lent: ${JSON.stringify(data.checkout.decision)}`);
  return data.checkout.loan;
}

/** Places a title hold for a patron as staff; fails when refused. */
async function placeHold(server, staffToken, { patronId = null, recordId, pickupBranchId }) {
  const data = await server.graphql(
    `mutation($input: PlaceHold!) { placeHold(input: $input) { hold { id position } decision { reasons { message } } } }`,
    { input: { patronId, recordId, pickupBranchId } },
    staffToken,
  );
  if (!data.placeHold.hold) throw new Error(`the hold was not placed: ${JSON.stringify(data.placeHold.decision)}`);
  return data.placeHold.hold;
}

/** Blocks a patron as staff. */
async function blockPatron(server, staffToken, { patronId, reason }) {
  await server.graphql(
    `mutation($input: AddBlock!) { addPatronBlock(input: $input) { id } }`,
    { input: { patronId, reason } },
    staffToken,
  );
}

module.exports = { addPatronGroup, addPatron, addTitle, lend, placeHold, blockPatron };

/** Opens online registration into `groupId`, confirmed at once. */
async function openRegistration(server, adminToken, { groupId }) {
  await server.graphql(
    `mutation($input: SaveCirculationSettings!) { saveCirculationSettings(input: $input) { registrationGroupId } }`,
    { input: { timeZone: 'Europe/London', currency: 'GBP', courtesyNoticeDays: 0, refundLostFeeOnReturn: true, confirmRegistrations: true, registrationGroupId: groupId } },
    adminToken,
  );
}

module.exports.openRegistration = openRegistration;
