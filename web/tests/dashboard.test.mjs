// End-to-end tests of the dashboard in Debian's Chromium, against the embedded assets served by
// the dashboard router and a mock of the API in front of them (see harness.mjs).
// Run: web/run-browser-tests.sh (builds the test server first).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDashboard, MockApi, makeKey, openBrowser, signIn, loadKey, layerCount, waitForStatus } from './harness.mjs';

// Screenshots go to a scratch directory, so a test run leaves the tree clean; refresh the
// committed ones with JIC_SCREENSHOT_DIR=$PWD/docs/screenshots web/run-browser-tests.sh.
const SHOTS = (process.env.JIC_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'jic-shots-'))).replace(/\/?$/, '/');
const KEYS = { un: makeKey('un-ocha'), us: makeKey('us-cell'), ru: makeKey('ru-cell') };
let dashboard;
let api;
let base;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dashboard = await startDashboard();
  api = new MockApi(dashboard.url, [
    { vkey: KEYS.un.vkey, party: 'un', publicKey: KEYS.un.publicKey },
    { vkey: KEYS.us.vkey, party: 'us', publicKey: KEYS.us.publicKey },
    { vkey: KEYS.ru.vkey, party: 'ru', publicKey: KEYS.ru.publicKey },
  ]);
  base = await api.listen();
});

after(() => {
  api?.stop();
  dashboard?.stop();
});

/** Opens the page, optionally signed in; returns the harness browser handle. */
async function open(token, options) {
  const browser = await openBrowser(base, options);
  await browser.page.goto(base + '/');
  await browser.page.waitForFunction(() => document.body.dataset.basemap === 'loaded' && document.body.dataset.loaded === 'true');
  if (token) await signIn(browser.page, token);
  return browser;
}

test('the page loads offline: no failed, external or broken requests, no script errors', async () => {
  const { page, problems, dispose } = await open(null);
  try {
    assert.equal(await page.title(), 'jic — Joint Implementation Center');
    // The basemap is drawn from the embedded Natural Earth files.
    const basemapPaths = await page.$$eval('.leaflet-basemap-pane path', (p) => p.length);
    assert.ok(basemapPaths >= 20, `only ${basemapPaths} basemap paths`);
    assert.match(await page.textContent('#identity'), /not signed in/);
    assert.match(await page.textContent('li[data-layer="zones"] .layer-note'), /sign in/);
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('signed in as the duty officer, every layer renders the demo data with its legend', async () => {
  const { page, problems, dispose } = await open('tok-duty');
  try {
    assert.match(await page.textContent('#identity'), /duty_officer/);
    for (const id of ['zones', 'sites', 'movements', 'airops', 'tracks', 'alerts', 'strikes', 'incidents']) {
      assert.ok(await layerCount(page, id) > 0, `layer ${id} is empty`);
      assert.ok(await page.$$eval(`li[data-layer="${id}"] .legend > span`, (s) => s.length) > 0, `layer ${id} has no legend`);
    }
    // Disputed zones are hatched and dashed; proposed ones dashed.
    const disputed = await page.$$eval('path.zone-disputed', (ps) => ps.map((p) => [p.getAttribute('fill'), p.getAttribute('stroke-dasharray')]));
    assert.ok(disputed.length > 0 && disputed.every(([fill, dash]) => fill.startsWith('url(#jic-hatch') && dash), JSON.stringify(disputed));
    assert.ok(await page.$$eval('path.zone-proposed', (ps) => ps.length) > 0);
    // Tracks carry heading and flight level.
    const labels = await page.$$eval('.track-label', (ls) => ls.map((l) => l.textContent));
    assert.ok(labels.some((l) => /VIPER11 FL180/.test(l)), labels.join('|'));
    // The alert shows both aircraft and the predicted closest point.
    assert.equal(await page.$$eval('path.alert-cpa', (ps) => ps.length), 1);
    assert.equal(await page.$$eval('#alert-list li', (ls) => ls.length), 1);
    assert.equal(await page.getAttribute('#connection', 'data-state'), 'connected');
    await page.screenshot({ path: SHOTS + 'overview.png' });
    // Aleppo up close: control zones by status (the disputed one hatched), the Castello Road
    // route and its withdrawal areas, shared sites with their precision circles.
    await page.evaluate(() => window.jic.map.setView([36.215, 37.13], 12, { animate: false }));
    await page.waitForTimeout(300);
    await page.screenshot({ path: SHOTS + 'zones-aleppo.png' });
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('strike notices from /strike-notices are drawn coloured by verdict, with effects radius and findings', async () => {
  const { page, problems, dispose } = await open('tok-duty');
  try {
    assert.equal(await layerCount(page, 'strikes'), 2);
    assert.equal(await page.textContent('li[data-layer="strikes"] .layer-note'), '', 'read from the list, not only from events');
    // A polygon area (conflict, red) and a point with its radius (clear, green), plus the
    // dashed effects ring around the point.
    const strokes = await page.$$eval('path.strike', (ps) => ps.map((p) => [p.getAttribute('class'), p.getAttribute('stroke')]));
    assert.ok(strokes.some(([c, s]) => c.includes('strike-conflict') && s === '#b00020'), JSON.stringify(strokes));
    assert.ok(strokes.some(([c, s]) => c.includes('strike-clear') && s === '#1e7b34'), JSON.stringify(strokes));
    assert.equal(await page.$$eval('path.strike-effects', (ps) => ps.filter((p) => p.getAttribute('stroke-dasharray')).length), 1);
    await page.evaluate(() => {
      window.jic.map.setView([35.262, 40.14], 12, { animate: false });
      window.jic.map.eachLayer((l) => { if (l.feature?.id === 'strike-tharda') l.openPopup(); });
    });
    const text = await page.textContent('.leaflet-popup-content');
    await page.waitForTimeout(300);
    await page.screenshot({ path: SHOTS + 'strikes.png' });
    assert.match(text, /conflict/);
    assert.match(text, /R-CONTROL conflict: strike area inside deir_ez_zor_airport_govt/);
    assert.match(text, /§3\(b\)/, 'the clause is cited');
    assert.match(text, /US-AO-17/);
    assert.match(text, /500 m/);
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('a layer can be switched off and on from the keyboard', async () => {
  const { page, dispose } = await open('tok-duty');
  try {
    const zones = () => page.$$eval('.leaflet-overlay-pane path.zone', (p) => p.length);
    assert.ok(await zones() > 0);
    await page.focus('#layer-zones');
    await page.keyboard.press('Space');
    assert.equal(await zones(), 0);
    await page.keyboard.press('Space');
    assert.ok(await zones() > 0);
  } finally {
    await dispose();
  }
});

test('the page shows the role from /whoami and offers only the filings and acknowledgments that role may make', async () => {
  // What each role is offered: [notification form, incident form, acknowledge the alert].
  const expected = {
    'tok-duty': ['duty_officer', false, false, true],
    'tok-us': ['party', false, true, true],
    'tok-un': ['humanitarian', true, true, true],
    'tok-monitor': ['monitor', false, true, true],
    'tok-witness': ['witness', false, false, false],
  };
  for (const [token, [role, notify, incident, ack]] of Object.entries(expected)) {
    const { page, problems, dispose } = await open(token);
    try {
      assert.equal(await page.getAttribute('body', 'data-role'), role);
      assert.match(await page.textContent('#identity'), new RegExp(`signed in as ${role}`));
      assert.match(await page.getAttribute('#identity', 'title'), /read token: .+/);
      assert.equal(await page.isVisible('#notify-button'), notify, `${role}: notification form`);
      assert.equal(await page.isVisible('#incident-button'), incident, `${role}: incident form`);
      assert.equal(await page.isVisible('#key-button'), notify || incident || ack, `${role}: key loading`);
      // The witness sees no alert at all (the mock's need-to-know); the others see the open one.
      const buttons = await page.$$eval('#alert-list button[data-ack="alert"]', (b) => b.length);
      assert.equal(buttons > 0, ack && (await page.$$eval('#alert-list li', (l) => l.length)) > 0, `${role}: acknowledge`);
      if (!notify && !incident && !ack) assert.match(await page.textContent('#role-note'), /file nothing/);
      assert.deepEqual(problems, []);
    } finally {
      await dispose();
    }
  }
  // A refused token says so and offers nothing.
  const { page, dispose } = await open('tok-nobody');
  try {
    assert.match(await page.textContent('#identity'), /token refused/);
    assert.equal(await page.isVisible('#notify-button'), false);
    assert.equal(await page.isVisible('#incident-button'), false);
  } finally {
    await dispose();
  }
});

// Before any filing of the tests below adds items received today, so the slider spans 2016.
test('the time slider replays what was known at a past moment, and Now returns to live', async () => {
  const { page, dispose } = await open('tok-duty');
  try {
    const live = await layerCount(page, 'incidents');
    await page.evaluate(() => window.jicSetMoment('2016-09-17T12:30:00Z'));
    assert.equal(await layerCount(page, 'incidents'), 0, 'no incident had been reported at 12:30');
    assert.equal(await layerCount(page, 'strikes'), 1, 'the strike notice was received at 12:20');
    assert.equal(await layerCount(page, 'alerts'), 0, 'the alert was raised at 12:52');
    assert.match(await page.textContent('#time-label'), /2016-09-17 12:30 UTC \(replay\)/);
    assert.equal(await page.getAttribute('#now-button', 'aria-pressed'), 'false');
    await page.screenshot({ path: SHOTS + 'replay.png' });
    // Keyboard on the slider moves the moment; the Now button returns to live.
    await page.focus('#time-slider');
    await page.keyboard.press('End');
    await page.click('#now-button');
    assert.equal(await layerCount(page, 'incidents'), live);
    assert.match(await page.textContent('#time-label'), /now/);
  } finally {
    await dispose();
  }
});

test('replaying a past moment draws what the server knew then: an amended site at its first place, without the later receipt', async () => {
  // A shared clinic filed on the 15th, moved on the 16th, acknowledged after the move.
  const id = 'un/clinic-moved';
  const first = { type: 'Point', coordinates: [37.2, 36.25] };
  const moved = { type: 'Point', coordinates: [37.3, 36.3] };
  api.data.sites.push({
    id, notification: id, owner: 'un', name: 'Clinic (moved)', category: 'clinic', disclosure: 'shared', precision_m: 100,
    recipients: ['us', 'ru'], valid_from: '2016-09-15T00:00:00Z', received: '2016-09-15T08:00:00Z', version: 2, geometry: moved,
    acknowledgments: [{ party: 'us', at: '2016-09-16T09:00:00Z', version: 2 }],
    versions: [{ at: '2016-09-15T08:00:00Z', version: 1, geometry: first }, { at: '2016-09-16T08:00:00Z', version: 2, geometry: moved }],
  });
  // Where the page drew the clinic, as [lon, lat] of its marker(s).
  const drawn = (page) => page.evaluate((key) => {
    const out = [];
    const walk = (layer) => {
      if (layer.feature?.id === key && layer.getLatLng) out.push([layer.getLatLng().lng, layer.getLatLng().lat]);
      layer.eachLayer?.(walk);
    };
    window.jic.state.groups.sites.eachLayer(walk);
    return out;
  }, id);
  const { page, problems, dispose } = await open('tok-us');
  try {
    assert.deepEqual(await drawn(page), [moved.coordinates], 'live: where it is now');
    await page.evaluate(() => window.jicSetMoment('2016-09-15T12:00:00Z'));
    await page.waitForFunction(() => document.body.dataset.replay === 'server');
    assert.deepEqual(await drawn(page), [first.coordinates], 'replayed: where it was notified first');
    const then = await page.evaluate((key) => window.jic.state.past.features.sites.get(key).properties, id);
    assert.equal(then.version, 1);
    assert.deepEqual(then.acknowledgments, [], 'the receipt came later');
    // The live list is kept apart: Now draws it again, with the receipt.
    await page.click('#now-button');
    assert.equal(await page.getAttribute('body', 'data-replay'), 'live');
    assert.deepEqual(await drawn(page), [moved.coordinates]);
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
  // A server that refuses `as_of` (400): the page keeps replaying by receipt time on its own.
  api.answersAsOf = false;
  const fallback = await open('tok-us');
  try {
    await fallback.page.evaluate(() => window.jicSetMoment('2016-09-15T12:00:00Z'));
    await fallback.page.waitForFunction(() => document.body.dataset.replay === 'filter');
    assert.deepEqual(await drawn(fallback.page), [moved.coordinates], 'known by then, drawn in its present state');
    await fallback.page.evaluate(() => window.jicSetMoment('2016-09-14T12:00:00Z'));
    assert.deepEqual(await drawn(fallback.page), [], 'not yet notified');
    assert.deepEqual(fallback.problems, []);
  } finally {
    api.answersAsOf = true;
    api.data.sites = api.data.sites.filter((s) => s.id !== id);
    await fallback.dispose();
  }
});

test('a new alert arrives over SSE and appears without reload; a party acknowledges it with a signed receipt', async () => {
  const { page, problems, dispose } = await open('tok-us');
  try {
    await page.waitForFunction(() => document.querySelector('#connection').dataset.state === 'connected');
    const before = await page.$$eval('#alert-list li', (ls) => ls.length);
    api.raiseAlert({
      id: 2, kind: 'track_conflict', severity: 'critical', status: 'open', parties: ['us', 'ru'],
      subject: { aircraft: ['RFF77', 'VIPER12'], parties: ['ru', 'us'] },
      detail: { own: 'VIPER12', other: { aircraft: 'RFF77', party: 'ru', lat: 35.5, lon: 39.0, alt_ft: 21000, gs_kt: 400, trk_deg: 270, vs_fpm: 0 }, conflict: { tcpa_s: 30, dcpa_nm: 0.4, tin_s: -5, tout_s: 60 } },
      recipients: ['us', 'ru', 'duty_officer'], acks: [], leaf_index: 120, created: '2016-09-17T13:00:00Z',
    });
    await page.waitForFunction((n) => document.querySelectorAll('#alert-list li').length === n + 1, before);
    assert.match(await page.textContent('#alert-list li[data-id="2"]'), /RFF77/);
    assert.equal(await page.getAttribute('#alert-list', 'aria-live'), 'polite');

    await loadKey(page, KEYS.us.skey, 'us');
    await page.click('#alert-list li[data-id="2"] button[data-ack="alert"]');
    await page.waitForSelector('#confirm-dialog[open]');
    assert.match(await page.textContent('#confirm-summary'), /acknowledge alert/);
    await page.click('#confirm-sign');
    await waitForStatus(page, /Accepted/);
    const ack = api.submissions.at(-1);
    assert.equal(ack.path, '/alerts/2/ack');
    assert.equal(ack.checked.error, undefined);
    assert.deepEqual(ack.wire.envelope.payload, { alert_id: 2 });
    await page.waitForFunction(() => document.querySelector('#alert-list li[data-id="2"]').classList.contains('acknowledged'));
    await page.screenshot({ path: SHOTS + 'alerts.png' });
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('a humanitarian site drawn on the map is signed, submitted as a commitment, and shows up', async () => {
  const { page, problems, dispose } = await open('tok-un');
  try {
    await loadKey(page, KEYS.un.skey, 'un');
    const sitesBefore = await layerCount(page, 'sites');
    await page.click('#notify-button');
    await page.fill('#notify-name', 'warehouse-idlib-test');
    await page.selectOption('#notify-category', 'warehouse');
    await page.fill('#notify-recipients', 'us, ru');
    await page.click('#notify-draw');
    await page.waitForFunction(() => document.body.dataset.drawing === 'point');
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.35);
    await page.waitForSelector('#notify-dialog[open]');
    const coords = await page.inputValue('#notify-geometry');
    assert.match(coords, /^3\d\.\d{6}, 3\d\.\d{6}$/);
    await page.screenshot({ path: SHOTS + 'notification-form.png' });
    await page.click('#notify-form button[type=submit]');
    await page.waitForSelector('#confirm-dialog[open]');
    assert.match(await page.textContent('#confirm-summary'), /warehouse-idlib-test/);
    await page.click('#confirm-sign');
    await waitForStatus(page, /Accepted: log entry #/);
    const filed = api.submissions.at(-1);
    assert.equal(filed.checked.error, undefined, filed.checked.error);
    assert.equal(filed.wire.envelope.kind, 'humanitarian.site');
    assert.equal(filed.wire.envelope.payload, undefined, 'coordinates must not be inside the signed, logged envelope');
    assert.ok(filed.wire.envelope.payload_commitment);
    assert.equal(filed.wire.payload.geometry.type, 'Point');
    await page.waitForFunction((n) => Number(document.querySelector('li[data-layer="sites"]').dataset.count) === n + 1, sitesBefore);
    // The server's view (after the reload) holds the new site with its id.
    assert.deepEqual(Object.keys(filed.wire.payload).sort(), ['category', 'disclosure', 'geometry', 'id', 'precision_m', 'recipients', 'valid_from', 'valid_until']);
    // The server's view (after the reload) holds the new site.
    await page.waitForFunction(() => window.jic.state.features.sites.get('un/warehouse-idlib-test')?.properties.received);
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('an incident report is filed from the form with a location typed by keyboard', async () => {
  const { page, problems, dispose } = await open('tok-un');
  try {
    await loadKey(page, KEYS.un.skey, 'un');
    const before = await layerCount(page, 'incidents');
    await page.click('#incident-button');
    await page.fill('#incident-location', '36.151583, 36.96775');
    await page.selectOption('#incident-category', 'attack_on_humanitarian');
    await page.fill('#incident-killed-min', '10');
    await page.fill('#incident-killed-max', '20');
    await page.fill('#incident-description', 'Convoy struck at the warehouse (test)');
    await page.click('#incident-form button[type=submit]');
    await page.click('#confirm-sign');
    await waitForStatus(page, /Accepted/);
    const filed = api.submissions.at(-1);
    assert.equal(filed.wire.envelope.kind, 'incident.report');
    const report = filed.wire.envelope.payload;
    assert.deepEqual(report.location, { lat: 36.151583, lon: 36.96775, uncertainty_m: 500 });
    assert.equal(report.reporter, 'un');
    assert.deepEqual(report.actor, { kind: 'unknown' });
    assert.equal(report.casualties.killed_min, 10);
    assert.equal(report.casualties.killed_max, 20);
    assert.match(report.occurred.from, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await page.waitForFunction((n) => Number(document.querySelector('li[data-layer="incidents"]').dataset.count) === n + 1, before);
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('a recipient party acknowledges a notified site from its popup, and the receipt shows', async () => {
  const { page, problems, dispose } = await open('tok-ru');
  try {
    await loadKey(page, KEYS.ru.skey, 'ru');
    await page.evaluate(() => {
      const f = window.jic.state.features.sites.get('site-sarc-warehouse');
      window.jic.map.setView([f.geometry.coordinates[1], f.geometry.coordinates[0]], 12);
    });
    await page.evaluate(() => {
      window.jic.map.eachLayer((l) => { if (l.feature?.id === 'site-sarc-warehouse') l.openPopup?.() ?? l.eachLayer?.((x) => x.openPopup()); });
    });
    await page.click('.leaflet-popup button[data-ack="site"]');
    await page.click('#confirm-sign');
    await waitForStatus(page, /Accepted/);
    const ack = api.submissions.at(-1);
    assert.equal(ack.checked.error, undefined, ack.checked.error);
    assert.deepEqual(ack.wire.envelope.payload, { notification: 'site-sarc-warehouse', version: 1 });
    await page.waitForFunction(() => (window.jic.state.features.sites.get('site-sarc-warehouse').properties.acknowledgments ?? []).some((a) => a.party === 'ru'));
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});

test('a wrong signature is refused by the server and the page says nothing was recorded', async () => {
  const { page, dispose } = await open('tok-un');
  try {
    await loadKey(page, KEYS.ru.skey, 'un'); // ru's key, claiming to be un
    await page.click('#incident-button');
    await page.fill('#incident-location', '36.2, 37.1');
    await page.click('#incident-form button[type=submit]');
    await page.click('#confirm-sign');
    await waitForStatus(page, /Refused/);
    assert.match(await page.textContent('#submit-status'), /422.*Nothing was recorded/);
  } finally {
    await dispose();
  }
});

test('a party never receives a sealed site or the other party\'s plan in any response', async () => {
  api.responses.length = 0;
  const { page, dispose } = await open('tok-us');
  try {
    await page.waitForFunction(() => document.querySelector('#connection').dataset.state === 'connected');
    const seen = api.responses.join('\n');
    assert.ok(seen.includes('US-AO-17'), 'own plan should be there');
    assert.ok(!seen.includes('RU-AO-31'), "the other party's plan leaked");
    assert.ok(!seen.includes('37.13917') && !seen.includes('site-sealed-clinic'), 'a sealed site leaked');
    const dom = await page.content();
    assert.ok(!dom.includes('sealed, synthetic'));
    assert.equal(await page.$$eval('.leaflet-overlay-pane path', (ps) => ps.length) > 0, true);
  } finally {
    await dispose();
  }
});

test('on a tablet the sidebar moves under the map, and every form control has a label', async () => {
  const { page, problems, dispose } = await open('tok-duty', { viewport: { width: 820, height: 1180 } });
  try {
    const map = await page.locator('#map').boundingBox();
    const sidebar = await page.locator('#sidebar').boundingBox();
    assert.ok(sidebar.y >= map.y + map.height - 1, 'the sidebar should sit below the map');
    assert.ok(map.width > 700);
    await page.screenshot({ path: SHOTS + 'tablet.png' });
    const unlabelled = await page.$$eval('input, select, textarea', (els) => els
      .filter((e) => e.type !== 'radio' && e.type !== 'hidden')
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
      .map((e) => e.id || e.outerHTML.slice(0, 60)));
    assert.deepEqual(unlabelled, []);
    assert.deepEqual(problems, []);
  } finally {
    await dispose();
  }
});
