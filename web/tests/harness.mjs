// Test harness for the dashboard's browser tests: the dashboard served by its own router
// (crates/dashboard/examples/dashboard_serve.rs), a mock of the jic API in front of it (same
// origin, real SSE), and Debian's Chromium driven by playwright-core.
//
// The mock answers the API shapes the real server uses (crates/server/src/routes.rs) and those
// the page expects where the server has no endpoint yet (web/API_NEEDS.md). It verifies every
// signed submission exactly as the server must: RFC 8785 bytes, Ed25519 signature, restricted
// payload commitment.

import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createPrivateKey, createPublicKey, verify as edVerify, randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { canonicalize } from '../src/js/jcs.js';

const ROOT = new URL('../../', import.meta.url).pathname;
export const CHROMIUM = process.env.JIC_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Starts the dashboard-only server; resolves to {url, stop}. */
export async function startDashboard() {
  const binary = process.env.JIC_DASHBOARD_BIN ?? join(ROOT, 'target/debug/examples/dashboard_serve');
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`cargo build -p jic-dashboard --example dashboard_serve\` (web/run-browser-tests.sh does)`);
  const child = spawn(binary, ['0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`dashboard_serve exited with ${code}`)));
  });
  return { url, stop: () => child.kill() };
}

// ------------------------------------------------------------------ keys

/** A fresh Ed25519 key as the C2SP private key line, the verifier key, and node key objects. */
export function makeKey(name) {
  const seed = randomBytes(32);
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const hash = createHash('sha256').update(Buffer.concat([Buffer.from(name + '\n'), Buffer.from([1]), raw])).digest().subarray(0, 4).toString('hex');
  return {
    name,
    skey: `PRIVATE+KEY+${name}+${hash}+${Buffer.concat([Buffer.from([1]), seed]).toString('base64')}`,
    vkey: `${name}+${hash}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`,
    publicKey,
  };
}

// ------------------------------------------------------------------ the mock API

export const TOKENS = {
  'tok-us': { role: 'party', party: 'us' },
  'tok-ru': { role: 'party', party: 'ru' },
  'tok-un': { role: 'humanitarian', party: 'un' },
  'tok-duty': { role: 'duty_officer', party: 'jic' },
  'tok-monitor': { role: 'monitor', party: 'monitors' },
  'tok-witness': { role: 'witness', party: 'press' },
};

// Who may submit what, as the server's GET /api/v1/kinds answers (crates/server/src/kinds).
const KIND_ROLES = [
  { kind: 'alert.ack', roles: ['party', 'duty_officer', 'humanitarian', 'monitor'], restricted: false },
  { kind: 'humanitarian.site', roles: ['humanitarian'], restricted: true },
  { kind: 'humanitarian.movement', roles: ['humanitarian'], restricted: true },
  { kind: 'humanitarian.ack', roles: ['party'], restricted: false },
  { kind: 'incident.report', roles: ['party', 'monitor', 'humanitarian'], restricted: false },
  { kind: 'air_operation.file', roles: ['party'], restricted: true },
];

const RESTRICTED = new Set(['humanitarian.site', 'humanitarian.movement', 'air_operation.file']);

export class MockApi {
  constructor(dashboardUrl, keys) {
    this.dashboard = new URL(dashboardUrl);
    this.keys = new Map(keys.map((k) => [k.vkey, k])); // vkey → {party, publicKey}
    const demo = JSON.parse(readFileSync(new URL('./fixtures/demo.json', import.meta.url), 'utf8'));
    this.data = demo;
    this.events = []; // {id, topic, audience, body}
    this.streams = new Set();
    this.submissions = [];
    this.lastSeq = new Map();
    this.leaf = 100;
    this.responses = [];
    this.answersAsOf = true; // false: refuse `?as_of=` with 400, as a server without it might
  }

  /**
   * A list as the server answers `?as_of=` (crates/server/src/protect_routes.rs): the items
   * received by `at`, each at its version then (an item may carry `versions: [{at, …fields}]`,
   * oldest first), with only the acknowledgments received by then.
   */
  static then(list, at) {
    const time = (x) => Date.parse(x.received ?? x.created ?? x.received_at ?? x.at ?? x.time);
    const by = (x) => !Number.isFinite(time(x)) || time(x) <= at;
    return list.filter(by).map((item) => {
      const { versions, ...rest } = item;
      const version = (versions ?? []).filter(by).at(-1);
      const out = version ? { ...rest, ...version, received: rest.received } : rest;
      for (const key of ['acknowledgments', 'acks']) if (Array.isArray(out[key])) out[key] = out[key].filter(by);
      return out;
    });
  }

  listen() {
    this.server = createServer((req, res) => this.handle(req, res).catch((e) => {
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ title: 'mock failure', detail: String(e) }));
    }));
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.url = `http://127.0.0.1:${this.server.address().port}`;
      resolve(this.url);
    }));
  }

  stop() {
    for (const s of this.streams) s.res.end();
    this.server.closeAllConnections?.();
    this.server.close();
  }

  principal(req) {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return m ? TOKENS[m[1]] ?? null : null;
  }

  // Need-to-know, as the server enforces it (a mock, so the page's behaviour can be tested).
  sitesFor(who) {
    return this.data.sites.filter((s) => (who.role === 'humanitarian' ? s.owner === who.party
      : s.disclosure !== 'sealed' && (who.role !== 'party' || s.recipients.includes(who.party))));
  }
  movementsFor(who) {
    return this.data.movements.filter((m) => (who.role === 'humanitarian' ? m.owner === who.party : who.role !== 'party' || m.recipients.includes(who.party)));
  }
  airopsFor(who) {
    if (who.role === 'party') return this.data.air_operations.filter((o) => o.party === who.party);
    if (who.role === 'duty_officer') return this.data.air_operations;
    return [];
  }
  alertsFor(who) {
    return this.data.alerts.filter((a) => who.role === 'duty_officer' || who.role === 'monitor' || (a.parties ?? []).includes(who.party));
  }

  send(res, status, body, type = 'application/json') {
    const text = JSON.stringify(body);
    this.responses.push(text);
    res.writeHead(status, { 'content-type': type });
    res.end(text);
  }

  problem(res, status, detail) {
    this.send(res, status, { type: 'about:blank', title: 'refused', status, detail }, 'application/problem+json');
  }

  emit(topic, audience, body) {
    const event = { id: this.events.length + 1, topic, audience, body };
    this.events.push(event);
    for (const stream of this.streams) this.deliver(stream, event);
  }

  deliver(stream, event) {
    const who = stream.who;
    if (!event.audience.includes(who.party) && !event.audience.includes(who.role)) return;
    const text = JSON.stringify(event.body);
    this.responses.push(text);
    stream.res.write(`id: ${event.id}\nevent: ${event.topic}\ndata: ${text}\n\n`);
  }

  /** Raises an alert as the server's deconfliction would, to the parties and the duty officer. */
  raiseAlert(alert) {
    this.data.alerts.push(alert);
    this.emit('alert', [...alert.parties, 'duty_officer', 'monitor'], alert);
  }

  async body(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }

  /** Verifies a signed wire object; returns the envelope's payload or a refusal reason. */
  verify(wire) {
    const env = wire.envelope;
    const key = this.keys.get(env?.key);
    if (!key) return { error: 'unknown key' };
    if (key.party !== env.party) return { error: 'key belongs to another party' };
    const ok = edVerify(null, Buffer.from(canonicalize(env)), key.publicKey, Buffer.from(wire.sig, 'base64'));
    if (!ok) return { error: 'bad signature' };
    if ((this.lastSeq.get(env.key) ?? 0) >= env.seq) return { error: 'replayed sequence' };
    this.lastSeq.set(env.key, env.seq);
    if (RESTRICTED.has(env.kind)) {
      if (!env.payload_commitment || env.payload !== undefined) return { error: 'restricted kind sent in the clear' };
      const salt = Buffer.from(wire.salt, 'base64');
      const expected = createHash('sha256').update(Buffer.concat([salt, Buffer.from(canonicalize(wire.payload))])).digest('base64');
      if (expected !== env.payload_commitment) return { error: 'commitment mismatch' };
      return { payload: wire.payload };
    }
    return { payload: env.payload };
  }

  async handle(req, res) {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith('/api/v1/')) return this.proxy(req, res);
    const path = url.pathname.slice('/api/v1'.length);
    const who = this.principal(req);
    if (req.method === 'GET' && path === '/health') return this.send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/kinds') return this.send(res, 200, KIND_ROLES);
    if (req.method === 'POST') return this.post(path, req, res);
    if (!who) return this.problem(res, 401, 'a read token is needed');
    const asOfText = url.searchParams.get('as_of');
    let then = (list) => list;
    if (asOfText !== null && ['/notifications', '/air-operations', '/alerts', '/strike-notices'].includes(path)) {
      if (!this.answersAsOf) return this.problem(res, 400, 'unknown query parameter: as_of');
      const at = Date.parse(asOfText);
      if (!Number.isFinite(at)) return this.problem(res, 400, `as_of: ${asOfText} is not an RFC 3339 instant`);
      then = (list) => MockApi.then(list, at);
    }
    switch (path) {
      case '/whoami': return this.send(res, 200, { role: who.role, party: who.party, label: `${who.party} (${who.role})` });
      case '/agreement/zones': return this.send(res, 200, this.data.zones, 'application/geo+json');
      case '/notifications': return this.send(res, 200, then([
        ...this.sitesFor(who).map((x) => ({ ...x, kind: 'site', id: x.notification ?? x.id })),
        ...this.movementsFor(who).map((x) => ({ ...x, kind: 'movement', id: x.notification ?? x.id, geometry: x.route })),
      ]));
      case '/air-operations': return this.send(res, 200, then(this.airopsFor(who)));
      case '/tracks': return this.send(res, 200, this.data.tracks);
      case '/alerts': return this.send(res, 200, then(this.alertsFor(who)));
      case '/strike-notices': return this.send(res, 200, who.role === 'humanitarian' ? [] : then(this.data.strikes));
      case '/incidents': return this.send(res, 200, this.data.incidents.map((x) => (x.report ? x : { id: x.id, version: 1, status: x.status, report: x, classification: { outcome: x.classification } })));
      case '/events': return this.stream(req, res, who);
      default: return this.problem(res, 404, 'no such resource');
    }
  }

  stream(req, res, who) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': connected\n\n');
    const stream = { res, who };
    const last = Number(req.headers['last-event-id'] ?? 0);
    for (const e of this.events.filter((x) => x.id > last)) this.deliver(stream, e);
    this.streams.add(stream);
    req.on('close', () => this.streams.delete(stream));
  }

  async post(path, req, res) {
    const wire = await this.body(req);
    const checked = this.verify(wire);
    this.submissions.push({ path, wire, checked });
    if (checked.error) return this.problem(res, 422, checked.error);
    const env = wire.envelope;
    const received = new Date().toISOString();
    const leaf = this.leaf++;
    const p = checked.payload;
    let result = {};
    const ackPath = /^\/alerts\/([^/]+)\/ack$/.exec(path);
    if (ackPath && env.kind === 'alert.ack') {
      const alert = this.data.alerts.find((a) => String(a.id) === String(p.alert_id));
      if (!alert) return this.problem(res, 404, 'no such alert');
      alert.acks = [...(alert.acks ?? []), { party: env.party, time: received }];
      this.emit('alert_ack', [...alert.parties, 'duty_officer'], { alert_id: alert.id, party: env.party, time: received, leaf_index: leaf });
      result = { alert_id: alert.id, acknowledged: received };
    } else if (path === '/submissions' && (env.kind === 'humanitarian.site' || env.kind === 'humanitarian.movement')) {
      // As jic_protect::wire: unknown fields are refused.
      const allowed = env.kind === 'humanitarian.site'
        ? ['id', 'category', 'geometry', 'precision_m', 'recipients', 'valid_from', 'valid_until', 'disclosure']
        : ['id', 'route', 'window', 'schedule', 'vehicles', 'markings', 'recipients'];
      const unknown = Object.keys(p).filter((k) => !allowed.includes(k));
      if (unknown.length) return this.problem(res, 422, `unknown fields ${unknown}`);
      const kind = env.kind === 'humanitarian.site' ? 'site' : 'movement';
      const id = `${env.party}/${p.id}`;
      const item = { ...p, id, notification: id, version: 1, kind, owner: env.party, notifier: env.party, received: received, acknowledgments: [] };
      (kind === 'movement' ? this.data.movements : this.data.sites).push(item);
      const decision = { decision: 'notified', notification: id, version: 1, ack_deadline: received, recipients: p.recipients };
      if (p.disclosure !== 'sealed') {
        this.emit('humanitarian.notification', p.recipients, { ...decision, kind, disclosure: p.disclosure ?? 'shared', geometry: p.geometry ?? null, ...(kind === 'movement' ? { route: p.route, window: p.window, vehicles: p.vehicles, markings: p.markings } : {}) });
      }
      this.emit('humanitarian.notification', [env.party, 'duty_officer', 'monitor'], decision);
      result = { decisions: [decision] };
    } else if (path === '/submissions' && env.kind === 'incident.report') {
      const id = p.id;
      this.data.incidents.push({ ...p, classification: 'undetermined', status: 'reported', received });
      this.emit('incident.report', ['us', 'ru', 'un', 'duty_officer', 'monitor'], { id });
      result = { id };
    } else if (path === '/submissions' && env.kind === 'humanitarian.ack') {
      const item = [...this.data.sites, ...this.data.movements].find((x) => (x.notification ?? x.id) === p.notification);
      if (!item) return this.problem(res, 404, 'no such notification');
      if (!item.recipients.includes(env.party)) return this.problem(res, 403, 'not a recipient');
      item.acknowledgments.push({ party: env.party, at: received });
      this.emit('humanitarian.acknowledgment', [item.owner, env.party, 'duty_officer', 'monitor'], { decision: 'acknowledged', notification: p.notification, party: env.party, version: p.version, late: false });
    } else {
      return this.problem(res, 422, `unknown kind ${env.kind}`);
    }
    return this.send(res, 200, { leaf_index: leaf, received, kind: env.kind, result });
  }

  proxy(req, res) {
    const upstream = httpRequest({ host: this.dashboard.hostname, port: this.dashboard.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
  }
}

// ------------------------------------------------------------------ the browser

/**
 * Launches Chromium with a fresh profile and returns {context, page, problems, dispose}.
 * `problems` collects failed requests, requests to any other origin, asset responses ≥ 400,
 * and page errors, so a test can assert there were none.
 */
export async function openBrowser(baseUrl, { viewport = { width: 1400, height: 900 } } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'jic-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport,
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(10000);
  const origin = new URL(baseUrl).origin;
  const problems = [];
  page.on('requestfailed', (r) => {
    // An SSE stream cut by navigation or page close is not a failure of the page.
    if (!r.url().endsWith('/api/v1/events')) problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`external: ${u}`);
  });
  page.on('response', (r) => {
    if (!r.url().includes('/api/') && r.status() >= 400) problems.push(`asset ${r.status()}: ${r.url()}`);
    if (r.status() >= 500) problems.push(`server error ${r.status()}: ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return {
    context, page, problems,
    dispose: async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); },
  };
}

/** Signs in with a token through the page's own dialog. */
export async function signIn(page, token) {
  await page.click('#signin-button');
  await page.fill('#signin-token', token);
  await page.click('#signin-form button[type=submit]');
  await page.waitForFunction(() => document.body.dataset.loaded === 'true');
}

/** Loads a signing key through the key dialog (pasted, as a user may). */
export async function loadKey(page, skey, party) {
  await page.click('#key-button');
  await page.fill('#key-text', skey);
  await page.fill('#key-party', party);
  await page.click('#key-form button[type=submit]');
  try {
    await page.waitForFunction(() => document.body.dataset.key === 'loaded');
  } catch (e) {
    const dialogs = await page.$$eval('dialog[open]', (ds) => ds.map((d) => d.id));
    throw new Error(`${e.message}; key error: ${JSON.stringify(await page.textContent('#key-error'))}; open dialogs: ${dialogs}; key status: ${await page.textContent('#key-status')}`);
  }
}

export function layerCount(page, id) {
  return page.$eval(`li[data-layer="${id}"]`, (li) => Number(li.dataset.count));
}

/** Waits until the submit status matches `pattern`; on timeout, says what it showed instead. */
export async function waitForStatus(page, pattern) {
  try {
    await page.waitForFunction((source) => new RegExp(source).test(document.querySelector('#submit-status').textContent), pattern.source);
  } catch (e) {
    const dialogs = await page.$$eval('dialog[open]', (ds) => ds.map((d) => d.id));
    throw new Error(`${e.message}; status: ${JSON.stringify(await page.textContent('#submit-status'))}; open dialogs: ${dialogs}; errors: ${await page.textContent('#incident-error')}|${await page.textContent('#notify-error')}|${await page.textContent('#key-error')}`);
  }
}
