// One `athenaeum serve` (the embedded default: SQLite files, mail written to files) on a
// free port and a fresh data folder, with the people a journey needs: an operator made
// with the command line, libraries onboarded over GraphQL whose administrators accepted
// the invitation they were mailed, staff invited by them.
//
// It drives the public GraphQL API and the command line only, as an operator would; it
// never reads or writes the databases itself.

'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { repoRoot } = require('./paths');

/** The password every person in these journeys chooses. */
const PASSWORD = 'correct horse battery staple';
/** How long the process may take from spawn to ready (migrations included). */
const START_TIMEOUT_MS = 60_000;
/** How long mail may take to arrive. */
const MAIL_TIMEOUT_MS = 20_000;

/**
 * Servers still running, with their data folders: killed and removed if this process
 * exits or is stopped before it stops them, so that no server outlives its test file.
 */
const running = new Map();
function killRunning() {
  for (const [child, dataDir] of running) {
    child.kill('SIGKILL');
    if (!process.env.ATHENAEUM_BROWSER_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  running.clear();
}
process.on('exit', killRunning);
for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => {
    killRunning();
    process.exit(status);
  });
}

/** Returns the binary under test: ATHENAEUM_BIN (set by scripts/test), else target/debug/athenaeum. */
function binary() {
  const configured = process.env.ATHENAEUM_BIN;
  const found = configured && configured.length > 0
    ? configured
    : path.join(process.env.CARGO_TARGET_DIR
      ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
      : path.join(repoRoot, 'target'), 'debug', 'athenaeum');
  if (!fs.existsSync(found)) {
    throw new Error(`the athenaeum binary is not at ${found}: build it with ` +
      '`cargo build -p athenaeum --bin athenaeum` or run ./scripts/test (which sets ATHENAEUM_BIN)');
  }
  return found;
}

/** Returns a port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something truthy; throws `describe()` after `timeoutMs`. */
async function eventually(probe, { timeoutMs = 20_000, intervalMs = 50, describe = () => 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${await describe()}`);
    }
    await sleep(intervalMs);
  }
}

/** An error a GraphQL answer carried: its message and code are kept. */
class GraphqlError extends Error {
  constructor(errors, query) {
    const first = errors[0] || {};
    const code = first.extensions && first.extensions.code;
    super(`GraphQL error${code ? ` ${code}` : ''}: ${first.message}\n  in: ${query.trim().split('\n')[0]}`);
    this.errors = errors;
    this.code = code;
  }
}

/**
 * A running server. Start with `Athenaeum.start()`; `stop()` kills it and removes its
 * data folder (kept when ATHENAEUM_BROWSER_KEEP_DATA is set, for a look afterwards).
 */
class Athenaeum {
  constructor({ child, url, dataDir, logPath, environment }) {
    this.child = child;
    this.url = url;
    this.dataDir = dataDir;
    this.logPath = logPath;
    this.environment = environment;
    this.mailDir = path.join(dataDir, 'mail');
    this.operator = null;
    this.counter = 0;
  }

  /**
   * Starts `athenaeum serve` on a free port with a fresh data folder, waits for /readyz,
   * and makes a platform operator with the command line (`this.operator`).
   */
  static async start({ name = 'browser', settings = {}, port: fixedPort = null } = {}) {
    let lastFailure;
    // Another process may take the free port between picking and binding it: try again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `athenaeum-${name}-`));
      const port = fixedPort || await freePort();
      const url = `http://127.0.0.1:${port}`;
      const environment = {
        ATHENAEUM__SERVER__LISTEN: `127.0.0.1:${port}`,
        // Emailed links point here; forms' Origin is checked against it.
        ATHENAEUM__SERVER__PUBLIC_URL: url,
        ATHENAEUM__SERVER__WORKERS: '1',
        ATHENAEUM__DATA__DIR: dataDir,
        ATHENAEUM__MAIL__POLL_INTERVAL_MS: '100',
        // The cheapest password hashing argon2 allows: sign-ins happen in every journey.
        ATHENAEUM__IDENTITY__ARGON2__MEMORY_KIB: '8192',
        ATHENAEUM__IDENTITY__ARGON2__ITERATIONS: '1',
        ...settings,
      };
      try {
        const server = await Athenaeum.spawnServer({ dataDir, url, environment });
        server.operator = await server.createOperator();
        return server;
      } catch (error) {
        lastFailure = error;
        if (!/address|in use|listen/i.test(String(error.message))) throw error;
      }
    }
    throw lastFailure;
  }

  static async spawnServer({ dataDir, url, environment }) {
    const logPath = path.join(dataDir, 'athenaeum.log');
    const log = fs.openSync(logPath, 'a');
    const child = spawn(binary(), ['serve'], {
      cwd: dataDir,
      env: cleanEnvironment(environment),
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    running.set(child, dataDir);
    child.once('exit', () => running.delete(child));
    const server = new Athenaeum({ child, url, dataDir, logPath, environment });
    let exited = null;
    child.on('exit', (code, signal) => { exited = signal || code; });
    const started = Date.now();
    for (;;) {
      if (exited !== null) {
        throw new Error(`athenaeum serve exited (${exited}) before it was ready; its log:\n${server.log()}`);
      }
      if (Date.now() - started > START_TIMEOUT_MS) {
        const log = server.log();
        await server.stop();
        throw new Error(`athenaeum serve was not ready within ${START_TIMEOUT_MS} ms; its log:\n${log}`);
      }
      try {
        const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (response.status === 200) return server;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
  }

  /** Returns what the server has logged so far. */
  log() {
    try {
      return fs.readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** Kills the server and removes its data folder. */
  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (!process.env.ATHENAEUM_BROWSER_KEEP_DATA) {
      fs.rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  /** Returns a name no other person or library of this server has, e.g. `reader-3`. */
  unique(prefix) {
    this.counter += 1;
    return `${prefix}-${this.counter}`;
  }

  /** Returns an absolute URL of this server for a path. */
  href(pathAndQuery) {
    return new URL(pathAndQuery, this.url).toString();
  }

  // ---------------------------------------------------------------------------------
  // Command line
  // ---------------------------------------------------------------------------------

  /**
   * Runs an `athenaeum` command on this server's configuration and data folder, as an
   * operator on the same machine would, and returns its standard output.
   */
  cli(args, { input } = {}) {
    const result = spawnSync(binary(), args, {
      cwd: this.dataDir,
      env: cleanEnvironment(this.environment),
      input,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    if (result.status !== 0) {
      throw new Error(`athenaeum ${args.join(' ')} failed (${result.status ?? result.signal}):\n` +
        `${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
  }

  /** Makes a platform operator with `athenaeum user create` and signs them in. */
  async createOperator({ email = 'olive.operator@platform.test', name = 'Olive Operator' } = {}) {
    this.cli(['user', 'create', '--tenant', 'platform', '--email', email, '--name', name,
      '--role', 'operator', '--password-stdin'], { input: `${PASSWORD}\n` });
    const session = await this.signIn('platform', email);
    return { tenant: 'platform', email, password: PASSWORD, name, session, token: session.accessToken };
  }

  /** Imports a MARC file into a library's catalogue with `athenaeum import-marc`. */
  importMarcWithCli(slug, file, extraArgs = []) {
    return this.cli(['import-marc', '--tenant', slug, ...extraArgs, file]);
  }

  // ---------------------------------------------------------------------------------
  // GraphQL
  // ---------------------------------------------------------------------------------

  /** Posts a GraphQL request and returns the whole answer (`data` and `errors`). */
  async graphqlResponse(query, variables = {}, token = null) {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await post(`${this.url}/graphql`, headers, Buffer.from(JSON.stringify({ query, variables })));
    try {
      return JSON.parse(response.text);
    } catch {
      throw new Error(`/graphql answered ${response.status} with no JSON: ${response.text.slice(0, 500)}`);
    }
  }

  /** Posts a GraphQL request and returns its data; throws a GraphqlError on any error. */
  async graphql(query, variables = {}, token = null) {
    const answer = await this.graphqlResponse(query, variables, token);
    if (answer.errors && answer.errors.length > 0) throw new GraphqlError(answer.errors, query);
    return answer.data;
  }

  /** Signs in over GraphQL and returns the session (`accessToken`, `refreshToken`). */
  async signIn(tenant, email, password = PASSWORD) {
    const data = await this.graphql(
      `mutation($input: SignIn!) { signIn(input: $input) { accessToken refreshToken } }`,
      { input: { tenant, email, password } },
    );
    return data.signIn;
  }

  /**
   * Onboards a library as the operator; its administrator accepts the mailed invitation
   * (over GraphQL, with the token from the link) and is signed in.
   *
   * Returns `{ slug, name, tenantId, admin: { email, password, name, token } }`.
   */
  async onboardLibrary({ slug = this.unique('library'), name, adminName = 'Ada Admin' } = {}) {
    const libraryName = name || `${titleCase(slug)} Libraries`;
    const adminEmail = `admin@${slug}.test`;
    const data = await this.graphql(
      `mutation($input: OnboardTenant!) { onboardTenant(input: $input) { tenant { id slug } admin { id } } }`,
      {
        input: {
          slug, name: libraryName, timeZone: 'Europe/London', contactEmail: `libraries@${slug}.test`,
          adminEmail, adminDisplayName: adminName,
        },
      },
      this.operator.token,
    );
    const session = await this.acceptInvitationByMail(adminEmail);
    return {
      slug,
      name: libraryName,
      tenantId: data.onboardTenant.tenant.id,
      admin: { tenant: slug, email: adminEmail, password: PASSWORD, name: adminName, token: session.accessToken, session },
    };
  }

  /**
   * Invites a member of staff as the library's administrator; they accept the mailed
   * invitation. Returns `{ email, password, name, token }`.
   */
  async addStaff(library, { name = 'Sam Staff', roles = ['STAFF'], email } = {}) {
    const address = email || `${this.unique('staff')}@${library.slug}.test`;
    await this.invite(library.admin.token, { email: address, displayName: name, roles });
    const session = await this.acceptInvitationByMail(address);
    return { tenant: library.slug, email: address, password: PASSWORD, name, token: session.accessToken, session };
  }

  /** Creates an account (which mails it an invitation) as an administrator. */
  async invite(adminToken, { email, displayName, roles }) {
    const data = await this.graphql(
      `mutation($input: CreateAccount!) { createAccount(input: $input) { id email } }`,
      { input: { email, displayName, roles } },
      adminToken,
    );
    return data.createAccount;
  }

  /** Waits for the invitation mailed to `email` and accepts it over GraphQL. */
  async acceptInvitationByMail(email, password = PASSWORD) {
    const mail = await this.waitForMail((message) => message.isTo(email) && message.link('/accept-invitation?token='));
    const token = tokenOf(mail.link('/accept-invitation?token='));
    const data = await this.graphql(
      `mutation($token: String!, $password: String!) { acceptInvitation(token: $token, password: $password) { accessToken refreshToken } }`,
      { token, password },
    );
    return data.acceptInvitation;
  }

  /** Creates a branch as an administrator; returns `{ id, code, name }`. */
  async addBranch(adminToken, { code, name }) {
    const data = await this.graphql(
      `mutation($input: SaveBranch!) { saveBranch(input: $input) { id code name } }`,
      { input: { code, name } },
      adminToken,
    );
    return data.saveBranch;
  }

  /** Creates a record from the simple form as staff; returns `{ id, title }`. */
  async createRecord(staffToken, form) {
    const data = await this.graphql(
      `mutation($form: RecordForm!) { createRecord(form: $form) { id title } }`,
      { form },
      staffToken,
    );
    return data.createRecord;
  }

  /** Creates a record from MARCXML as staff; returns `{ id, title }`. */
  async createRecordFromMarcXml(staffToken, marcXml) {
    const data = await this.graphql(
      `mutation($marc: String!) { createRecord(marc: $marc, syntax: MARC_XML) { id title } }`,
      { marc: marcXml },
      staffToken,
    );
    return data.createRecord;
  }

  /** Adds an item to a record as staff; returns `{ id, barcode }`. */
  async addItem(staffToken, recordId, input) {
    const data = await this.graphql(
      `mutation($recordId: ID!, $input: ItemInput!) { createItem(recordId: $recordId, input: $input) { id barcode } }`,
      { recordId, input },
      staffToken,
    );
    return data.createItem;
  }

  /**
   * Uploads a MARC file with the GraphQL multipart `importMarc` and waits until the job
   * has finished. Returns the job (`id`, `status`, counts).
   */
  async importMarc(staffToken, file, { options = null, timeoutMs = 120_000 } = {}) {
    const query = `mutation($file: Upload!, $options: ImportOptions) {
      importMarc(file: $file, options: $options) { id status } }`;
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables: { file: null, options } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([fs.readFileSync(file)]), path.basename(file));
    const encoded = new Request(`${this.url}/graphql`, { method: 'POST', body: form });
    const body = Buffer.from(await encoded.arrayBuffer());
    const response = await post(`${this.url}/graphql`, {
      authorization: `Bearer ${staffToken}`,
      'content-type': encoded.headers.get('content-type'),
    }, body);
    const answer = JSON.parse(response.text);
    if (answer.errors && answer.errors.length > 0) throw new GraphqlError(answer.errors, query);
    return this.waitForImport(staffToken, answer.data.importMarc.id, timeoutMs);
  }

  /** Waits until an import job has completed (or failed) and returns it. */
  async waitForImport(staffToken, jobId, timeoutMs = 120_000) {
    let job;
    await eventually(async () => {
      const data = await this.graphql(
        `query($id: ID!) { importJob(id: $id) { id status fileName recordsRead recordsNew recordsOverlaid recordsSkipped recordsFailed } }`,
        { id: jobId },
        staffToken,
      );
      job = data.importJob;
      return job && (job.status === 'COMPLETED' || job.status === 'FAILED');
    }, { timeoutMs, intervalMs: 200, describe: () => `import ${jobId} to finish (now ${job && job.status})` });
    return job;
  }

  /**
   * Waits until a search (over GraphQL, as the public; every library unless `tenant`
   * names one) finds at least `atLeast` results, for the index follows the catalogue a
   * moment later. Returns the search's answer.
   */
  async waitForSearch(query, { tenant = null, atLeast = 1, timeoutMs = 30_000 } = {}) {
    let found;
    await eventually(async () => {
      const data = await this.graphql(
        `query($query: String!, $tenant: String, $options: SearchOptions) {
          search(query: $query, tenant: $tenant, options: $options) { totalRecords hits { title } } }`,
        { query, tenant, options: tenant ? null : { scope: 'EVERYWHERE' } },
      );
      found = data.search;
      return found.totalRecords >= atLeast;
    }, { timeoutMs, intervalMs: 150, describe: () => `search ${JSON.stringify(query)} to find ${atLeast} (found ${found && found.totalRecords})` });
    return found;
  }

  /**
   * Waits until the search index holds `documents` records (of every library), for
   * facet counts and result totals are only steady once the index has caught up.
   */
  async waitForIndexed(documents, { timeoutMs = 60_000 } = {}) {
    let status;
    await eventually(async () => {
      const data = await this.graphql('{ searchIndexStatus { documents rebuilding } }', {}, this.operator.token);
      status = data.searchIndexStatus;
      return status.documents >= documents && !status.rebuilding;
    }, { timeoutMs, intervalMs: 150, describe: () => `the index to hold ${documents} records (it holds ${status && status.documents})` });
  }

  // ---------------------------------------------------------------------------------
  // Mail
  // ---------------------------------------------------------------------------------

  /** Returns every message in the mail folder, oldest first. */
  readMail() {
    let names;
    try {
      names = fs.readdirSync(this.mailDir).filter((name) => name.endsWith('.eml'));
    } catch {
      return [];
    }
    return names
      .map((name) => {
        const file = path.join(this.mailDir, name);
        try {
          return { mtime: fs.statSync(file).mtimeMs, mail: parseMessage(fs.readFileSync(file, 'utf8'), file) };
        } catch {
          return null;
        }
      })
      .filter(Boolean)
      .sort((left, right) => left.mtime - right.mtime || left.mail.file.localeCompare(right.mail.file))
      .map((entry) => entry.mail);
  }

  /** Waits for a message for which `wanted` is true and returns the newest such one. */
  async waitForMail(wanted, timeoutMs = MAIL_TIMEOUT_MS) {
    let seen = [];
    return eventually(() => {
      seen = this.readMail();
      return seen.filter(wanted).pop();
    }, {
      timeoutMs,
      intervalMs: 50,
      describe: () => `a mail in ${this.mailDir}; it holds: ${seen.map((mail) => `${mail.to} «${mail.subject}»`).join(', ') || 'nothing'}`,
    });
  }
}

/**
 * POSTs `body` on a connection of its own and returns `{ status, headers, text }`.
 *
 * Not fetch: its pool reuses a kept-alive connection the server may have closed while
 * it sat idle (during a command-line import, say), and a POST is not retried.
 */
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-length': body.length, connection: 'close' },
      timeout: 60_000,
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({
        status: response.statusCode,
        headers: response.headers,
        text: Buffer.concat(chunks).toString('utf8'),
      }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`POST ${url} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The process's environment without a developer's own ATHENAEUM__ settings. */
function cleanEnvironment(settings) {
  const environment = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('ATHENAEUM__') && name !== 'ATHENAEUM_CONFIG') environment[name] = value;
  }
  return { ...environment, NO_COLOR: '1', ...settings };
}

function titleCase(slug) {
  return slug.split('-').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}

/** Returns the token of a one-time link (`…?token=…`). */
function tokenOf(link) {
  const found = new URL(link).searchParams.get('token');
  if (!found) throw new Error(`the link ${link} carries no token`);
  return found;
}

/** Parses an RFC 5322 message as a mail client shows it: unfolded headers, decoded body. */
function parseMessage(text, file) {
  const normalized = text.replace(/\r\n/g, '\n');
  const split = normalized.indexOf('\n\n');
  const head = split === -1 ? normalized : normalized.slice(0, split);
  const rawBody = split === -1 ? '' : normalized.slice(split + 2);
  const headers = [];
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1][1] += ` ${line.trim()}`;
    } else if (line.includes(':')) {
      const at = line.indexOf(':');
      headers.push([line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim()]);
    }
  }
  const header = (name) => (headers.find(([found]) => found === name) || [null, ''])[1];
  const body = /quoted-printable/i.test(header('content-transfer-encoding'))
    ? decodeQuotedPrintable(rawBody)
    : rawBody;
  return {
    to: header('to'),
    subject: header('subject'),
    body,
    file,
    isTo(address) {
      return this.to.toLowerCase().includes(address.toLowerCase());
    },
    /** Returns the first link in the body containing `pathPart`, e.g. `/accept-invitation?token=`. */
    link(pathPart) {
      return this.body.split(/\s+/).find((word) => word.startsWith('http') && word.includes(pathPart));
    },
  };
}

function decodeQuotedPrintable(text) {
  const joined = Buffer.from(text.replace(/=\r?\n/g, ''), 'latin1');
  const bytes = [];
  for (let index = 0; index < joined.length; index += 1) {
    const hex = joined.subarray(index + 1, index + 3).toString('latin1');
    if (joined[index] === 0x3d && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(joined[index]);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

module.exports = { Athenaeum, post, GraphqlError, PASSWORD, eventually, sleep, tokenOf, parseMessage };
