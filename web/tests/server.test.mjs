// End-to-end tests of the dashboard against the real jic server: a fresh deployment (`jic init`
// on the September 2016 package, `jic serve` on 127.0.0.1, which serves the page at `/`), the
// page in Debian's Chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, sign as edSign, randomBytes, createHash } from 'node:crypto';
import { openBrowser, signIn, loadKey, layerCount, waitForStatus } from './harness.mjs';
import { canonicalize } from '../src/js/jcs.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const JIC = process.env.JIC_BIN ?? join(ROOT, 'target/debug/jic');
const PACKAGE = join(ROOT, 'scenarios/syria-2016-09/agreement');
const SKIP = !existsSync(JIC) ? `${JIC} is not built (cargo build -p jic)` : !existsSync(PACKAGE) ? 'no scenario package' : false;

let dataDir;
let server;
let base;
const tokens = {};
const seqs = {};

function skey(member) {
  return readFileSync(join(dataDir, 'keys', `${member}.key`), 'utf8').trim();
}

/** Signs and posts a submission as `member`, like `jic submit` does. */
async function submit(member, kind, payload, { restricted = false, path = '/api/v1/submissions' } = {}) {
  const line = skey(member);
  const parts = line.split('+');
  const raw = Buffer.from(parts.slice(4).join('+'), 'base64');
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), raw.subarray(1)]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const vkey = readFileSync(join(dataDir, 'keys', `${member}.pub`), 'utf8').trim();
  seqs[member] = (seqs[member] ?? 0) + 1;
  const envelope = { v: 1, kind, party: member, key: vkey, seq: seqs[member], time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  const wire = { envelope };
  if (restricted) {
    const salt = randomBytes(32);
    envelope.payload_commitment = createHash('sha256').update(Buffer.concat([salt, Buffer.from(canonicalize(payload))])).digest('base64');
    wire.payload = payload;
    wire.salt = salt.toString('base64');
  } else {
    envelope.payload = payload;
  }
  wire.sig = edSign(null, Buffer.from(canonicalize(envelope)), key).toString('base64');
  const response = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(wire) });
  const body = await response.json();
  assert.ok(response.ok, `${kind} by ${member}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

before(async () => {
  if (SKIP) return;
  dataDir = join(mkdtempSync(join(tmpdir(), 'jic-web-')), 'data');
  const init = execFileSync(JIC, ['init', dataDir, '--agreement', PACKAGE], { encoding: 'utf8' });
  for (const m of init.matchAll(/^\s+(\S+) \((\w+)\)\s+(\S+)$/gm)) tokens[m[1]] = m[3];
  const child = spawn(JIC, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', () => {});
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => { out += c; const m = out.match(/listening on (http:\/\/\S+)/); if (m) resolve(m[1]); });
    child.on('exit', (code) => reject(new Error(`jic serve exited with ${code}`)));
  });
  server = { url, child };
  // `jic serve` mounts the dashboard at `/`: the page and the API share one origin.
  base = url;
  const home = await fetch(base + '/').then((r) => r.text());
  assert.match(home, /jic — Joint Implementation Center/, 'jic serve serves the dashboard at /');
});

after(async () => {
  if (server) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill();
    await exited; // graceful shutdown finishes its commits before the directory goes
  }
  if (dataDir) rmSync(join(dataDir, '..'), { recursive: true, force: true });
});

/** Opens the page signed in as `member`, recording every API response body the page receives. */
async function open(member) {
  const browser = await openBrowser(base);
  browser.bodies = [];
  browser.page.on('response', async (r) => {
    if (r.url().includes('/api/') && !r.url().endsWith('/events')) browser.bodies.push(await r.text().catch(() => ''));
  });
  await browser.page.goto(base + '/');
  await browser.page.waitForFunction(() => document.body.dataset.loaded === 'true');
  await signIn(browser.page, tokens[member]);
  await browser.page.waitForFunction(() => document.querySelector('#connection').dataset.state === 'connected');
  return browser;
}

/** Everything the page received: API bodies and SSE event data. */
async function received(browser) {
  const events = await browser.page.evaluate(() => JSON.stringify(window.jic.events));
  return browser.bodies.join('\n') + '\n' + events;
}

test('against jic serve: the page loads, draws the agreement zones from the package, no failed or external requests', { skip: SKIP }, async () => {
  const { page, problems, dispose } = await open('jic');
  try {
    assert.ok(await layerCount(page, 'zones') >= 5, 'zones from the agreement package');
    assert.equal(await page.getAttribute('#connection', 'data-state'), 'connected');
    // GET /api/v1/whoami names the role; the duty officer files nothing but acknowledgments.
    assert.match(await page.textContent('#identity'), /signed in as duty_officer \(jic\)/);
    assert.equal(await page.isVisible('#notify-button'), false);
    assert.equal(await page.isVisible('#incident-button'), false);
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('against jic serve: replaying a moment between a filing and its amendment draws the site where it was first notified, without the later receipt', { skip: SKIP }, async () => {
  const validFrom = new Date(Date.now() - 60000).toISOString().replace(/\.\d+Z$/, 'Z');
  const site = (lon, lat) => ({ id: 'clinic-replay', category: 'clinic', geometry: { type: 'Point', coordinates: [lon, lat] }, precision_m: 100,
    recipients: ['us', 'russia'], valid_from: validFrom, disclosure: 'shared' });
  const pause = () => new Promise((resolve) => setTimeout(resolve, 200));
  const filed = await submit('un_ocha', 'humanitarian.site', site(37.05, 36.05), { restricted: true });
  await pause();
  const amended = await submit('un_ocha', 'humanitarian.amend', { notification: 'un_ocha/clinic-replay', site: site(37.25, 36.35) }, { restricted: true });
  await pause();
  await submit('us', 'humanitarian.ack', { notification: 'un_ocha/clinic-replay', version: 2 });
  const between = new Date((Date.parse(filed.received) + Date.parse(amended.received)) / 2).toISOString();

  const { page, problems, dispose } = await open('us');
  try {
    // Where the page drew the clinic, as [lon, lat] (the party's view: coarsened to 100 m).
    const drawn = () => page.evaluate(() => {
      const out = [];
      const walk = (layer) => {
        if (layer.feature?.id === 'un_ocha/clinic-replay' && layer.getLatLng) out.push([layer.getLatLng().lng, layer.getLatLng().lat]);
        layer.eachLayer?.(walk);
      };
      window.jic.state.groups.sites.eachLayer(walk);
      return out;
    });
    const near = (points, [lon, lat]) => points.length === 1 && Math.abs(points[0][0] - lon) < 0.003 && Math.abs(points[0][1] - lat) < 0.003;
    await page.waitForFunction(() => window.jic.state.features.sites.get('un_ocha/clinic-replay')?.properties.acknowledgments?.length === 1);
    assert.ok(near(await drawn(), [37.25, 36.35]), `live: ${JSON.stringify(await drawn())}`);
    await page.evaluate((iso) => window.jicSetMoment(iso), between);
    await page.waitForFunction(() => document.body.dataset.replay === 'server');
    assert.ok(near(await drawn(), [37.05, 36.05]), `replayed: ${JSON.stringify(await drawn())}`);
    const then = await page.evaluate(() => window.jic.state.past.features.sites.get('un_ocha/clinic-replay').properties);
    assert.equal(then.version, 1);
    assert.deepEqual(then.acknowledgments, [], 'the receipt came after the amendment');
    await page.click('#now-button');
    assert.ok(near(await drawn(), [37.25, 36.35]));
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('against jic serve: a conflicting plan raises an alert that reaches the party over SSE, with only the conflicting legs of the other plan', { skip: SKIP }, async () => {
  const browser = await open('us');
  const { page, problems, dispose } = browser;
  try {
    const t = (minutes) => new Date(Date.now() + minutes * 60000).toISOString().replace(/\.\d+Z$/, 'Z');
    await submit('us', 'air_operation.file', { id: 'US-WEB-1', callsign: 'VIPER31', waypoints: [
      { lat: 35.9, lon: 38.6, alt_ft: 20000, time: t(10) }, { lat: 35.3, lon: 40.0, alt_ft: 20000, time: t(40) }] }, { restricted: true, path: '/api/v1/air-operations' });
    await submit('russia', 'air_operation.file', { id: 'RU-WEB-1', callsign: 'RFF9', waypoints: [
      { lat: 34.11111, lon: 36.22222, alt_ft: 20000, time: t(0) }, { lat: 34.6, lon: 37.4, alt_ft: 20000, time: t(15) },
      { lat: 35.0, lon: 39.8, alt_ft: 20000, time: t(35) }, { lat: 35.6, lon: 40.2, alt_ft: 20000, time: t(45) }] }, { restricted: true, path: '/api/v1/air-operations' });
    await page.waitForFunction(() => document.querySelectorAll('#alert-list li').length >= 1, null, { timeout: 15000 });
    assert.match(await page.textContent('#alert-list'), /plan conflict/);
    const seen = await received(browser);
    assert.ok(seen.includes('RU-WEB-1'), 'the alert names the other operation');
    // Every air operation carries its receipt time: our own filing's, and for the other
    // party's conflicting legs the alert's that revealed them.
    await page.waitForFunction(() => ['US-WEB-1', 'RU-WEB-1'].every((id) => window.jic.state.features.airops.get(id)?.properties.received));
    assert.ok(!seen.includes('34.11111') && !seen.includes('36.22222'), "a non-conflicting leg of the other party's plan reached the page");
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('against jic serve: a site drawn and signed in the browser is accepted and reaches a recipient party; a sealed site never does', { skip: SKIP }, async () => {
  const sealed = await submit('un_ocha', 'humanitarian.site', {
    id: 'sealed-clinic-web', category: 'clinic', geometry: { type: 'Point', coordinates: [37.12345, 36.19876] }, precision_m: 10,
    recipients: ['us', 'russia'], valid_from: new Date(Date.now() - 60000).toISOString().replace(/\.\d+Z$/, 'Z'), disclosure: 'sealed',
  }, { restricted: true });
  assert.ok(sealed.leaf_index >= 0);

  const un = await open('un_ocha');
  try {
    assert.equal(await un.page.getAttribute('body', 'data-role'), 'humanitarian');
    assert.equal(await un.page.isVisible('#notify-button'), true, 'a humanitarian may notify');
    await loadKey(un.page, skey('un_ocha'), 'un_ocha');
    await un.page.click('#notify-button');
    await un.page.fill('#notify-name', 'hospital-web-test');
    await un.page.fill('#notify-recipients', 'us, russia');
    await un.page.fill('#notify-geometry', '36.2003, 37.1672');
    await un.page.click('#notify-form button[type=submit]');
    await un.page.click('#confirm-sign');
    await waitForStatus(un.page, /Accepted: log entry #\d+/);
    assert.ok(await layerCount(un.page, 'sites') >= 1);

    // An incident report from the browser is classified by the server and listed back.
    await un.page.click('#incident-button');
    await un.page.fill('#incident-location', '36.151583, 36.96775');
    await un.page.selectOption('#incident-category', 'attack_on_humanitarian');
    await un.page.fill('#incident-description', 'Convoy struck at the warehouse (browser test)');
    await un.page.click('#incident-form button[type=submit]');
    await un.page.click('#confirm-sign');
    await waitForStatus(un.page, /Accepted: log entry #\d+/);
    await un.page.evaluate(() => window.jic.reload());
    await un.page.waitForFunction(() => [...window.jic.state.features.incidents.values()].some((f) => f.properties.classification?.outcome));
    // The server's receipt time orders the replay slider.
    const received = await un.page.evaluate(() => window.jic.state.features.sites.get('un_ocha/hospital-web-test')?.properties.received);
    assert.ok(Number.isFinite(Date.parse(received)), `received: ${received}`);
    assert.equal(await un.page.textContent('li[data-layer="incidents"] .layer-note'), '');
    assert.deepEqual(un.problems, []);
  } finally {
    await un.dispose();
  }

  const us = await open('us');
  try {
    await us.page.waitForFunction(() => window.jic.state.features.sites.has('un_ocha/hospital-web-test'), null, { timeout: 15000 }).catch(async (e) => {
      throw new Error(`${e.message}; events: ${await us.page.evaluate(() => JSON.stringify(window.jic.events).slice(0, 1500))}; sites: ${await us.page.evaluate(() => JSON.stringify([...window.jic.state.features.sites.keys()]))}`);
    });
    const site = await us.page.evaluate(() => window.jic.state.features.sites.get('un_ocha/hospital-web-test'));
    assert.equal(await us.page.isVisible('#notify-button'), false, 'a party does not notify sites');
    assert.equal(await us.page.isVisible('#incident-button'), true, 'a party may report an incident');
    assert.equal(site.geometry.type, 'Point', 'a shared site reaches its recipient with a position');
    assert.doesNotMatch(await us.page.textContent('li[data-layer="sites"] .layer-note'), /no list endpoint/);
    await us.page.evaluate(() => window.jic.map.setView([36.19, 37.1], 11, { animate: false }));
    await us.page.waitForTimeout(300);
    if (process.env.JIC_SCREENSHOT_DIR) await us.page.screenshot({ path: join(process.env.JIC_SCREENSHOT_DIR, 'live-server-party.png') });
    // The sealed site's existence reaches its recipients (they must acknowledge it), its position never.
    const sealedSite = await us.page.evaluate(() => window.jic.state.features.sites.get('un_ocha/sealed-clinic-web'));
    assert.equal(sealedSite?.geometry ?? null, null);
    const seen = await received(us);
    assert.ok(!seen.includes('36.19876') && !seen.includes('37.12345'), 'sealed coordinates reached a party');
    assert.deepEqual(us.problems, []);
  } finally {
    await us.dispose();
  }
});
