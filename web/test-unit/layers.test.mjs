// The item → map normalisation and the alert geometry, without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toFeatures, geometryOf, alertParts, extrapolate, visibleAt, knownAt, isAcknowledged, operationCurrentAt, alertTitle, LAYER_BY_ID } from '../src/js/layers.js';

test('geometry comes from whichever field an API item uses', () => {
  const cases = [
    [{ geometry: { type: 'Point', coordinates: [37, 36] } }, { type: 'Point', coordinates: [37, 36] }],
    [{ location: { lat: 36.15, lon: 36.97, uncertainty_m: 300 } }, { type: 'Point', coordinates: [36.97, 36.15] }],
    [{ lat: 35.3, lon: 39.8 }, { type: 'Point', coordinates: [39.8, 35.3] }],
    [{ plan: { waypoints: [{ lat: 35, lon: 38, alt_ft: 20000 }, { lat: 35.5, lon: 39, alt_ft: 21000 }] } }, { type: 'LineString', coordinates: [[38, 35, 20000], [39, 35.5, 21000]] }],
    [{ conflicting_legs: [{ operation: 'RU-1', leg: 2, waypoints: [{ lat: 35, lon: 39.8, alt_ft: 20000 }, { lat: 35.6, lon: 40.2, alt_ft: 20000 }] }] }, { type: 'MultiLineString', coordinates: [[[39.8, 35, 20000], [40.2, 35.6, 20000]]] }],
    [{ name: 'no position' }, null],
  ];
  for (const [item, expected] of cases) assert.deepEqual(geometryOf(item), expected, JSON.stringify(item));
});

test('list answers of every shape become features with string ids; incidents lift their report', () => {
  const incidents = toFeatures([{ id: 'i-1', version: 2, status: 'verified', report: { location: { lat: 36.15, lon: 36.97 }, category: 'airstrike' }, classification: { outcome: 'violation' } }], LAYER_BY_ID.incidents);
  assert.equal(incidents[0].id, 'i-1');
  assert.equal(incidents[0].properties.category, 'airstrike');
  assert.equal(incidents[0].properties.status, 'verified');
  assert.deepEqual(incidents[0].geometry.coordinates, [36.97, 36.15]);
  const alerts = toFeatures([{ id: 7, kind: 'track_conflict' }], LAYER_BY_ID.alerts);
  assert.equal(alerts[0].id, '7');
  const fc = toFeatures({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'z' }, geometry: null }] }, LAYER_BY_ID.zones);
  assert.equal(fc[0].id, 'z');
  // /notifications holds both sites and movements; each layer keeps its own kind.
  const notifications = [{ id: 'un/a', kind: 'site' }, { id: 'un/b', kind: 'movement' }];
  assert.deepEqual(toFeatures(notifications, LAYER_BY_ID.sites).map((f) => f.id), ['un/a']);
  assert.deepEqual(toFeatures(notifications, LAYER_BY_ID.movements).map((f) => f.id), ['un/b']);
  assert.deepEqual(toFeatures(null, LAYER_BY_ID.sites), []);
});

test('extrapolation follows DESIGN §3.2 (kt, true track, flat frame)', () => {
  // 360 kt due east for 600 s = 60 nm = 111,120 m; at 35°N one degree of longitude is
  // 6,371,000·π/180·cos 35° = 91,089 m.
  const p = extrapolate({ lat: 35, lon: 39, gs_kt: 360, trk_deg: 90 }, 600);
  assert.ok(Math.abs(p.lat - 35) < 1e-9);
  assert.ok(Math.abs(p.lon - (39 + (360 * 0.514444 * 600) / 91089.0)) < 1e-3, String(p.lon));
  const north = extrapolate({ lat: 35, lon: 39, gs_kt: 360, trk_deg: 0 }, 600);
  assert.ok(Math.abs(north.lat - (35 + (360 * 0.514444 * 600) / 111194.9)) < 1e-4, String(north.lat));
});

test('the predicted closest point is the midpoint of both aircraft at tcpa, and matches a brute-force search', () => {
  const a = { aircraft: 'A', lat: 35.31, lon: 39.82, gs_kt: 420, trk_deg: 110 };
  const b = { aircraft: 'B', lat: 35.22, lon: 39.9, gs_kt: 390, trk_deg: 60 };
  // Brute force: the instant of minimum distance between the extrapolated positions.
  const dist = (t) => {
    const pa = extrapolate(a, t);
    const pb = extrapolate(b, t);
    const dy = (pa.lat - pb.lat) * 111195;
    const dx = (pa.lon - pb.lon) * 111195 * Math.cos((35.26 * Math.PI) / 180);
    return Math.hypot(dx, dy);
  };
  let best = 0;
  for (let t = 0; t <= 600; t += 0.5) if (dist(t) < dist(best)) best = t;
  const parts = alertParts({ detail: { aircraft: [a, b], conflict: { tcpa_s: best, dcpa_nm: dist(best) / 1852 } } });
  const pa = extrapolate(a, best);
  const pb = extrapolate(b, best);
  assert.ok(Math.abs(parts.cpa.lat - (pa.lat + pb.lat) / 2) < 1e-12);
  assert.ok(Math.abs(parts.cpa.lon - (pa.lon + pb.lon) / 2) < 1e-12);
  assert.equal(parts.a.id, 'A');
  assert.equal(parts.b.id, 'B');
});

test("a party's alert view uses its own track from the tracks layer", () => {
  const own = { id: 'VIPER12', lat: 35.4, lon: 39.1, gs_kt: 400, trk_deg: 90 };
  const props = { subject: { aircraft: ['RFF77', 'VIPER12'] }, detail: { own: 'VIPER12', other: { aircraft: 'RFF77', lat: 35.5, lon: 39, gs_kt: 400, trk_deg: 270 }, conflict: { tcpa_s: 30 } } };
  const withTrack = alertParts(props, (id) => (id === 'VIPER12' ? own : null));
  assert.equal(withTrack.a.lat, 35.4);
  assert.ok(withTrack.cpa);
  const withoutTrack = alertParts(props, () => null);
  assert.equal(withoutTrack.a.id, 'VIPER12');
  assert.equal(withoutTrack.cpa, null, 'no closest point without both positions');
});

test('replay shows what was known at the moment; tracks go stale after ten minutes', () => {
  const t = Date.parse('2016-09-17T12:30:00Z');
  assert.equal(visibleAt('strikes', { received: '2016-09-17T12:20:00Z' }, t), true);
  assert.equal(visibleAt('incidents', { received: '2016-09-17T15:00:00Z' }, t), false);
  assert.equal(visibleAt('tracks', { observed: '2016-09-17T12:25:00Z' }, t), true);
  assert.equal(visibleAt('tracks', { observed: '2016-09-17T12:15:00Z' }, t), false);
  assert.equal(visibleAt('incidents', { received: '2016-09-17T15:00:00Z' }, Infinity), true);
  assert.equal(knownAt({ created: '2016-09-17T12:52:05Z', updated: '2016-09-18T00:00:00Z' }), Date.parse('2016-09-17T12:52:05Z'));
  assert.ok(Number.isNaN(knownAt({})));
});

test('an alert counts as acknowledged for the reader once its party has acknowledged', () => {
  const p = { acks: [{ party: 'us', time: '2016-09-17T13:01:00Z' }] };
  assert.equal(isAcknowledged(p, 'us'), true);
  assert.equal(isAcknowledged(p, 'russia'), false);
  assert.equal(isAcknowledged({ status: 'acknowledged' }, 'russia'), true);
});

test('a plan is current from six hours before its first waypoint to thirty minutes after its last', () => {
  const plan = { plan: { waypoints: [{ time: '2016-09-17T12:00:00Z' }, { time: '2016-09-17T13:00:00Z' }] } };
  const at = (iso) => operationCurrentAt(plan, Date.parse(iso));
  assert.equal(at('2016-09-17T05:59:00Z'), false);
  assert.equal(at('2016-09-17T06:00:00Z'), true);
  assert.equal(at('2016-09-17T13:30:00Z'), true);
  assert.equal(at('2016-09-17T13:31:00Z'), false);
  assert.equal(operationCurrentAt({ ...plan, status: 'cancelled' }, Date.parse('2016-09-17T12:30:00Z')), false);
  assert.equal(operationCurrentAt({ id: 'no times' }, Date.parse('2016-09-17T12:30:00Z')), true);
});

test('alert titles name the aircraft, the operations, or the subject', () => {
  assert.equal(alertTitle({ kind: 'track_conflict', subject: { aircraft: ['A1', 'B2'] } }), 'track conflict: A1 / B2');
  assert.equal(alertTitle({ kind: 'plan_conflict', subject: { operations: [{ party: 'russia', id: 'R1' }, { party: 'us', id: 'U1' }] } }), 'plan conflict: russia:R1 / us:U1');
  assert.equal(alertTitle({ kind: 'stop_request', subject: { notice: 'CJTF-DEZ-0917' } }), 'stop request: CJTF-DEZ-0917');
  assert.equal(alertTitle({ kind: 'ack_overdue', subject: {} }), 'ack overdue');
});

test('strike notices in the server\'s list shape: area geometry, verdict keyword, findings lines', async () => {
  const { strikeVerdict, findingsHtml } = await import('../src/js/layers.js');
  const [point, polygon] = toFeatures([
    { id: 'n-1', party: 'us', area: { type: 'Point', coordinates: [37.5, 36.4], radius_m: 800 }, verdict: 'clear', status: 'assessed', findings: [], received: '2016-09-17T13:40:00Z' },
    { id: 'n-2', party: 'us', area: { type: 'Polygon', coordinates: [[[40.1, 35.2], [40.2, 35.2], [40.2, 35.3], [40.1, 35.2]]] }, verdict: 'conflict', status: 'objected',
      findings: [{ rule_id: 'R-CONTROL', clause: '§3(b)', detail: 'inside <a> zone' }, { detail: 'no rule' }] },
  ], LAYER_BY_ID.strikes);
  assert.equal(point.geometry.type, 'Point');
  assert.equal(point.properties.area.radius_m, 800);
  assert.equal(polygon.geometry.type, 'Polygon');
  assert.equal(knownAt(point.properties), Date.parse('2016-09-17T13:40:00Z'), 'received orders the replay');
  assert.equal(strikeVerdict(point.properties), 'clear');
  assert.equal(strikeVerdict(polygon.properties), 'conflict', 'the verdict wins over the review status');
  assert.equal(strikeVerdict({ status: 'stopped' }), 'stopped');
  assert.equal(strikeVerdict({}), 'pending');
  assert.equal(findingsHtml(polygon.properties.findings),
    '<ul class="findings"><li class="finding finding-unknown"><strong>R-CONTROL</strong>: inside &lt;a&gt; zone<br><small>§3(b)</small></li>'
    + '<li class="finding finding-unknown">no rule</li></ul>');
  // The server's findings carry a severity: the deciding ones come first, information last.
  const ordered = findingsHtml([
    { rule_id: 'jic.phase', clause: '', detail: 'phase in force', severity: 'info' },
    { rule_id: 'jic.group_present', clause: 'DESIGN §3.7', detail: 'no agreed zone', severity: 'conflict' },
  ]);
  assert.ok(ordered.indexOf('jic.group_present') < ordered.indexOf('jic.phase'), ordered);
  assert.match(ordered, /<li class="finding finding-conflict"><strong>jic.group_present<\/strong> <span class="finding-severity">conflict<\/span>: no agreed zone<br><small>DESIGN §3.7<\/small><\/li>/);
  assert.doesNotMatch(ordered, /<small><\/small>/, 'an empty clause adds no line');
  assert.equal(findingsHtml([]), undefined);
});
