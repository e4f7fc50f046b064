// Worlds journeys share: libraries with the Library of Congress's records (read from
// the shared test data in place), branches and copies.

'use strict';

const { locBooks1000 } = require('./paths');
const { eventually } = require('./server');

/** A record in the first thousand LC records, held by both libraries of `twoLibraries`. */
const KRUGER = {
  query: 'kruger transvaal',
  title: "The real Kruger and the Transvaal; the Britons' side, the Boers' side, the historical facts",
  titleStart: 'The real Kruger and the Transvaal',
};

/**
 * Two libraries holding the same thousand LC records, one imported with the command line
 * and one over GraphQL; Northshire has a branch, Central Library, with one copy of the
 * Kruger record on the shelf. Returns `{ north, south, kruger: { id, barcode } }`.
 */
async function twoLibraries(server) {
  const [north, south] = [
    await server.onboardLibrary({ slug: 'northshire', name: 'Northshire Libraries' }),
    await server.onboardLibrary({ slug: 'southmoor', name: 'Southmoor Libraries' }),
  ];
  server.importMarcWithCli(north.slug, locBooks1000);
  const job = await server.importMarc(south.admin.token, locBooks1000);
  if (job.status !== 'COMPLETED' || job.recordsNew !== 1000) {
    throw new Error(`the import into ${south.slug} did not take the thousand records: ${JSON.stringify(job)}`);
  }
  const branch = await server.addBranch(north.admin.token, { code: 'central', name: 'Central Library' });
  const found = await server.graphql(
    `query($query: String!) { search(query: $query, first: 5) { hits { recordId title } } }`,
    { query: KRUGER.query },
    north.admin.token,
  );
  const hit = found.search.hits.find((candidate) => candidate.title.startsWith(KRUGER.titleStart));
  if (!hit) throw new Error(`${north.slug} has no record titled ${KRUGER.titleStart}: ${JSON.stringify(found)}`);
  const item = await server.addItem(north.admin.token, hit.recordId, {
    barcode: '39990000000017', branchId: branch.id, callNumber: 'DT929 .R4',
  });
  // Both catalogues are searchable, the copy on the shelf included, before any walk.
  await eventually(async () => {
    const data = await server.graphql(
      `query($query: String!, $tenant: String) { search(query: $query, tenant: $tenant) { hits { recordId availableNow } } }`,
      { query: KRUGER.query, tenant: north.slug },
    );
    return data.search.hits.some((candidate) => candidate.recordId === hit.recordId && candidate.availableNow);
  }, { describe: () => 'the copy of the Kruger record to be searchable' });
  await server.waitForIndexed(2000);
  return { north, south, branch, kruger: { id: hit.recordId, barcode: item.barcode } };
}

/** One library holding the first thousand LC records. Returns `{ north }`. */
async function oneLibrary(server) {
  const north = await server.onboardLibrary({ slug: 'northshire', name: 'Northshire Libraries' });
  server.importMarcWithCli(north.slug, locBooks1000);
  await server.waitForIndexed(1000);
  return { north };
}

module.exports = { KRUGER, oneLibrary, twoLibraries };
