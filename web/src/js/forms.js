// Filings from the browser: drawing a site or route on the map, the humanitarian notification,
// incident report and acknowledgment forms, and the sign-and-submit step.
//
// Signing (see web/README.md): the user loads their C2SP key file into memory; every filing is
// shown as a human-readable summary plus the exact envelope, and only signed after the user
// confirms. Restricted kinds (coordinates of sites and movements) go out as commitments with
// the plaintext beside them, per DESIGN.md §3.3.

import { importSigningKey, buildEnvelope, signEnvelope } from './signing.js';
import { submit, getJson, ApiError } from './api.js';
import { esc } from './layers.js';

const L = window.L;

/**
 * Submission kinds the page files, where it posts them, and whether the payload is restricted
 * (its plaintext kept out of the log). One table, so aligning with the server is one edit.
 */
export const KINDS = {
  'humanitarian.site': { path: () => '/submissions', restricted: true, layer: () => 'sites' },
  'humanitarian.movement': { path: () => '/submissions', restricted: true, layer: () => 'movements' },
  'humanitarian.ack': { path: () => '/submissions', restricted: false, layer: (p) => (p.subject === 'movement' ? 'movements' : 'sites') },
  'incident.report': { path: () => '/submissions', restricted: false, layer: () => 'incidents' },
  'alert.ack': { path: (p) => `/alerts/${encodeURIComponent(p.alert_id)}/ack`, restricted: false, layer: () => 'alerts' },
};

/** Payload fields that are the page's own bookkeeping, never sent (the server refuses unknown fields). */
const LOCAL_ONLY = ['subject'];

let signingKey = null; // {name, hash, verifierKey, privateKey, party}

// ---------------------------------------------------------------- small helpers

function $(id) { return document.getElementById(id); }

function utcInput(date) {
  return date.toISOString().slice(0, 16);
}

function inputToIso(value) {
  if (!value) return undefined;
  const t = Date.parse(value + (value.length === 16 ? ':00Z' : 'Z'));
  if (!Number.isFinite(t)) throw new Error(`not a time: ${value}`);
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

/** Parses "lat, lon" lines into [[lon, lat], …] (GeoJSON order), checking ranges. */
export function parseCoordinates(text) {
  const lines = text.split(/\n|;/).map((l) => l.trim()).filter(Boolean);
  return lines.map((line, i) => {
    const parts = line.split(/[\s,]+/).filter(Boolean).map(Number);
    if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new Error(`line ${i + 1}: expected “lat, lon”`);
    const [lat, lon] = parts;
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180) throw new Error(`line ${i + 1}: ${lat}, ${lon} is off the globe`);
    return [round(lon), round(lat)];
  });
}

function round(x) {
  return Math.round(x * 1e6) / 1e6;
}

function formatCoordinates(coords) {
  return coords.map(([lon, lat]) => `${lat.toFixed(6)}, ${lon.toFixed(6)}`).join('\n');
}

function setStatus(text, isError = false) {
  const el = $('submit-status');
  el.textContent = text;
  el.className = isError ? 'error' : 'muted';
}

// ---------------------------------------------------------------- drawing on the map

function makeDrawing(map) {
  let mode = null;
  let points = [];
  let preview = null;
  let done = null;

  const bar = $('draw-bar');
  const hint = $('draw-hint');

  function redraw() {
    preview?.remove();
    const latlngs = points.map(([lon, lat]) => [lat, lon]);
    if (mode === 'polygon' && latlngs.length >= 3) preview = L.polygon(latlngs, { color: '#f2a900', weight: 3 });
    else if (latlngs.length >= 2) preview = L.polyline(latlngs, { color: '#f2a900', weight: 3, dashArray: '6 4' });
    else if (latlngs.length === 1) preview = L.circleMarker(latlngs[0], { radius: 7, color: '#f2a900' });
    else preview = null;
    preview?.addTo(map);
    const need = mode === 'polygon' ? 3 : mode === 'line' ? 2 : 1;
    hint.textContent = `${mode === 'point' ? 'Click the site' : mode === 'polygon' ? 'Click the corners of the area' : 'Click along the route'} (${points.length} point${points.length === 1 ? '' : 's'}${points.length < need ? `, ${need} needed` : ''}). Enter finishes, Escape cancels.`;
    $('draw-finish').disabled = points.length < need;
  }

  function finish(ok) {
    if (!mode) return;
    const result = ok ? points : null;
    mode = null;
    preview?.remove();
    preview = null;
    bar.hidden = true;
    map.getContainer().style.cursor = '';
    document.body.dataset.drawing = 'false';
    done?.(result);
  }

  map.on('click', (e) => {
    if (!mode) return;
    points.push([round(e.latlng.lng), round(e.latlng.lat)]);
    if (mode === 'point') finish(true);
    else redraw();
  });
  map.on('dblclick', (e) => {
    if (mode && mode !== 'point') { L.DomEvent.stop(e); finish(true); }
  });
  $('draw-finish').addEventListener('click', () => finish(true));
  $('draw-cancel').addEventListener('click', () => finish(false));
  $('draw-undo').addEventListener('click', () => { points.pop(); redraw(); });
  document.addEventListener('keydown', (e) => {
    if (!mode) return;
    if (e.key === 'Escape') finish(false);
    if (e.key === 'Enter' && !$('draw-finish').disabled) finish(true);
  });

  /** Starts drawing; resolves to [[lon, lat], …] or null when cancelled. */
  return (drawMode) => new Promise((resolve) => {
    mode = drawMode;
    points = [];
    done = resolve;
    bar.hidden = false;
    document.body.dataset.drawing = drawMode;
    map.getContainer().style.cursor = 'crosshair';
    map.doubleClickZoom.disable();
    redraw();
    $('draw-finish').focus();
  }).finally(() => map.doubleClickZoom.enable());
}

// ---------------------------------------------------------------- key loading

function showKeyStatus() {
  $('key-status').textContent = signingKey
    ? `Signing as ${signingKey.party} with key ${signingKey.name} (${signingKey.hash}); held in memory only.`
    : 'No signing key loaded.';
  document.body.dataset.key = signingKey ? 'loaded' : 'none';
}

function askForKey(ctx) {
  return new Promise((resolve) => {
    const dialog = $('key-dialog');
    $('key-error').textContent = '';
    $('key-text').value = '';
    $('key-file').value = '';
    $('key-party').value = signingKey?.party ?? ctx.state.identity?.party ?? '';
    dialog.showModal();
    dialog.addEventListener('close', () => resolve(signingKey), { once: true });
  });
}

function wireKeyDialog(ctx) {
  $('key-button').addEventListener('click', () => askForKey(ctx));
  $('key-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = $('key-file').files[0];
    const text = file ? await file.text() : $('key-text').value;
    const party = $('key-party').value.trim();
    try {
      if (!party) throw new Error('say which party you sign for');
      const key = await importSigningKey(text);
      signingKey = { ...key, party };
      $('key-text').value = '';
      $('key-file').value = '';
      showKeyStatus();
      $('key-dialog').close('ok');
    } catch (err) {
      $('key-error').textContent = err.message;
    }
  });
}

// ---------------------------------------------------------------- sequence numbers

const SEQ_KEY = 'jic.seq.';

/**
 * The next sequence number for the loaded key: above what the server last accepted (when it
 * says) and above anything this tab used, and at least the current time in milliseconds, so a
 * page reload cannot reuse a number (see web/README.md).
 */
async function nextSeq() {
  const stored = Number(sessionStorage.getItem(SEQ_KEY + signingKey.verifierKey) ?? 0);
  let serverLast = 0;
  try {
    const answer = await getJson(`/keys/${encodeURIComponent(signingKey.verifierKey)}/seq`);
    serverLast = Number(answer?.last_seq ?? 0);
  } catch { /* not offered: fall back to the clock */ }
  const seq = Math.max(stored + 1, serverLast + 1, Date.now());
  sessionStorage.setItem(SEQ_KEY + signingKey.verifierKey, String(seq));
  return seq;
}

// ---------------------------------------------------------------- restricted kinds

let kindsPolicy = null;

/**
 * Whether a kind's payload must travel as a commitment. The deployment's policy (the agreement
 * may restrict more kinds) is served at GET /api/v1/kinds; the table in KINDS is the fallback.
 */
async function isRestricted(kind, fallback) {
  if (kindsPolicy === null) {
    try {
      const list = await getJson('/kinds');
      kindsPolicy = Array.isArray(list) ? new Map(list.map((k) => [k.kind, Boolean(k.restricted)])) : new Map();
    } catch {
      return fallback; // not signed in or not offered: ask again next time
    }
  }
  return kindsPolicy.get(kind) ?? fallback;
}

// ---------------------------------------------------------------- confirm, sign, submit

function confirmDialog(summary, envelope) {
  return new Promise((resolve) => {
    const dialog = $('confirm-dialog');
    $('confirm-summary').innerHTML = summary.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
    $('confirm-envelope').textContent = JSON.stringify(envelope, null, 2);
    dialog.returnValue = '';
    dialog.showModal();
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'sign'), { once: true });
  });
}

/** Builds, confirms, signs and submits one filing. Resolves to the server's answer or null. */
async function file(ctx, kind, payload, summary) {
  if (!signingKey) {
    await askForKey(ctx);
    if (!signingKey) { setStatus('Not submitted: no signing key loaded.', true); return null; }
  }
  const spec = KINDS[kind];
  const restricted = await isRestricted(kind, spec.restricted);
  const sent = Object.fromEntries(Object.entries(payload).filter(([k]) => !LOCAL_ONLY.includes(k)));
  const built = await buildEnvelope({
    kind, party: signingKey.party, key: signingKey.verifierKey, seq: await nextSeq(),
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), payload: sent, restricted,
  });
  const shown = built.salt !== undefined ? { ...built.envelope, 'payload (sent beside, not logged)': payload } : built.envelope;
  if (!(await confirmDialog([['kind', kind], ['party', signingKey.party], ['key', signingKey.name], ...summary], shown))) {
    setStatus('Cancelled: nothing was signed.');
    return null;
  }
  const wire = await signEnvelope(built, signingKey.privateKey);
  setStatus('Submitting…');
  try {
    const answer = await submit(spec.path(payload), wire);
    const index = answer.leaf_index;
    setStatus(`Accepted${index !== undefined ? `: log entry #${index}` : ''}.`);
    const layerId = spec.layer(payload);
    if (kind === 'humanitarian.site' || kind === 'humanitarian.movement' || kind === 'incident.report') {
      // Show the filing at once from what was signed; the filer is entitled to its own plaintext.
      const location = sent.location ? { geometry: { type: 'Point', coordinates: [sent.location.lon, sent.location.lat] }, uncertainty_m: sent.location.uncertainty_m } : {};
      // The server names a notification "<notifier>/<id>" (events and acknowledgments use it).
      const id = kind === 'incident.report' ? sent.id : `${signingKey.party}/${sent.id}`;
      ctx.upsert(layerId, { ...sent, ...location, id, notification: kind === 'incident.report' ? undefined : id, received: answer.received, leaf_index: answer.leaf_index, notifier: signingKey.party });
    }
    ctx.reload(layerId);
    return answer;
  } catch (err) {
    const detail = err instanceof ApiError ? `${err.status}: ${err.message}` : err.message;
    setStatus(`Refused (${detail}). Nothing was recorded.`, true);
    return null;
  }
}

// ---------------------------------------------------------------- the forms

function wireNotification(ctx, draw) {
  const dialog = $('notify-dialog');
  const form = $('notify-form');
  const shape = () => form.elements.shape.value;
  const syncShape = () => {
    for (const el of form.querySelectorAll('.movement-only')) el.hidden = shape() !== 'movement';
    for (const el of form.querySelectorAll('.site-only')) el.hidden = shape() === 'movement';
  };
  form.addEventListener('change', (e) => { if (e.target.name === 'shape') syncShape(); });

  $('notify-button').addEventListener('click', () => {
    const now = new Date();
    if (!$('notify-from').value) $('notify-from').value = utcInput(now);
    if (!$('notify-to').value) $('notify-to').value = utcInput(new Date(now.getTime() + 7 * 86400000));
    $('notify-error').textContent = '';
    syncShape();
    dialog.showModal();
  });
  $('notify-draw').addEventListener('click', async () => {
    dialog.close('draw');
    const mode = { 'site-point': 'point', 'site-polygon': 'polygon', movement: 'line' }[shape()];
    const points = await draw(mode);
    if (points) $('notify-geometry').value = formatCoordinates(points);
    dialog.showModal();
    $('notify-geometry').focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let payload;
    try {
      const coords = parseCoordinates($('notify-geometry').value);
      const kind = shape();
      const need = kind === 'site-polygon' ? 3 : kind === 'movement' ? 2 : 1;
      if (coords.length < need || (kind === 'site-point' && coords.length !== 1)) {
        throw new Error(kind === 'site-point' ? 'a site point needs exactly one “lat, lon”' : `draw at least ${need} points`);
      }
      const geometry = kind === 'site-point' ? { type: 'Point', coordinates: coords[0] }
        : kind === 'site-polygon' ? { type: 'Polygon', coordinates: [[...coords, coords[0]]] }
          : { type: 'LineString', coordinates: coords };
      const from = inputToIso($('notify-from').value);
      const to = inputToIso($('notify-to').value);
      if (Date.parse(to) <= Date.parse(from)) throw new Error('the end must come after the start');
      const recipients = $('notify-recipients').value.split(',').map((x) => x.trim()).filter(Boolean);
      const id = $('notify-name').value.trim();
      if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error('the identifier may hold letters, digits, “.”, “_” and “-” only');
      // Field names follow the server's wire format (jic_protect::wire): unknown fields are refused.
      payload = kind === 'movement'
        ? { id, route: geometry, window: { start: from, end: to }, vehicles: Number($('notify-vehicles').value), markings: $('notify-markings').value.split(',').map((x) => x.trim()).filter(Boolean), recipients }
        : { id, category: $('notify-category').value, geometry, precision_m: Number($('notify-precision').value), recipients, valid_from: from, valid_until: to, disclosure: $('notify-disclosure').value };
    } catch (err) {
      $('notify-error').textContent = err.message;
      return;
    }
    dialog.close('ok');
    const isMovement = payload.route !== undefined;
    const summary = isMovement
      ? [['movement', payload.id], ['route', `${payload.route.coordinates.length} points`], ['window', `${payload.window.start} – ${payload.window.end}`], ['vehicles', String(payload.vehicles)], ['recipients', payload.recipients.join(', ') || '(agreement default)']]
      : [['site', `${payload.id} (${payload.category})`], ['where', payload.geometry.type === 'Point' ? payload.geometry.coordinates.slice().reverse().join(', ') : `area of ${payload.geometry.coordinates[0].length - 1} corners`], ['disclosure', payload.disclosure], ['precision', `${payload.precision_m} m`], ['valid', `${payload.valid_from} – ${payload.valid_until}`], ['recipients', payload.recipients.join(', ') || '(agreement default)']];
    const answer = await file(ctx, isMovement ? 'humanitarian.movement' : 'humanitarian.site', payload, summary);
    if (answer) form.reset();
  });
}

function wireIncident(ctx, draw) {
  const dialog = $('incident-dialog');
  $('incident-button').addEventListener('click', () => {
    if (!$('incident-time').value) $('incident-time').value = utcInput(new Date());
    $('incident-error').textContent = '';
    dialog.showModal();
  });
  $('incident-pick').addEventListener('click', async () => {
    dialog.close('draw');
    const points = await draw('point');
    if (points) $('incident-location').value = formatCoordinates(points);
    dialog.showModal();
  });
  $('incident-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    let payload;
    try {
      const coords = parseCoordinates($('incident-location').value);
      if (coords.length !== 1) throw new Error('give one “lat, lon”');
      const n = (id) => Number($(id).value);
      if (n('incident-killed-min') > n('incident-killed-max') || n('incident-injured-min') > n('incident-injured-max')) throw new Error('a minimum is above its maximum');
      const actorKind = $('incident-actor-kind').value;
      const actorId = $('incident-actor').value.trim();
      if (actorKind !== 'unknown' && !actorId) throw new Error('name the party or group, or choose “unknown”');
      const casualty = (id) => ($(id).value === '' ? undefined : n(id));
      // The wire format of jic_compliance::incident::IncidentReport.
      payload = {
        id: `incident-${crypto.randomUUID()}`,
        reporter: signingKey?.party ?? ctx.state.identity?.party ?? 'unknown',
        occurred: { from: inputToIso($('incident-time').value) },
        location: { lat: coords[0][1], lon: coords[0][0], uncertainty_m: n('incident-uncertainty') },
        category: $('incident-category').value,
        actor: actorKind === 'unknown' ? (actorId ? { kind: 'unknown', reported_as: actorId } : { kind: 'unknown' }) : { kind: actorKind, id: actorId },
        casualties: { killed_min: casualty('incident-killed-min'), killed_max: casualty('incident-killed-max'), injured_min: casualty('incident-injured-min'), injured_max: casualty('incident-injured-max') },
        description: $('incident-description').value.trim(),
        sources: $('incident-sources').value.split('\n').map((x) => x.trim()).filter(Boolean),
        evidence: [],
      };
    } catch (err) {
      $('incident-error').textContent = err.message;
      return;
    }
    dialog.close('ok');
    if (!signingKey) await askForKey(ctx);
    if (signingKey) payload.reporter = signingKey.party;
    const actor = payload.actor.kind === 'unknown' ? `unknown${payload.actor.reported_as ? ` (“${payload.actor.reported_as}”)` : ''}` : `${payload.actor.kind} ${payload.actor.id}`;
    const answer = await file(ctx, 'incident.report', payload, [
      ['category', payload.category], ['where', `${payload.location.lat}, ${payload.location.lon} ± ${payload.location.uncertainty_m} m`],
      ['when', payload.occurred.from], ['alleged actor', actor], ['killed', `${payload.casualties.killed_min ?? '?'}–${payload.casualties.killed_max ?? '?'}`],
    ]);
    if (answer) $('incident-form').reset();
  });
}

function wireAcknowledgments(ctx) {
  // Acknowledge buttons live in map popups and in the alert list; one delegated handler.
  document.addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-ack]');
    if (!button) return;
    const id = button.dataset.id;
    const what = button.dataset.ack;
    if (what === 'alert') {
      const p = ctx.state.features.alerts.get(id)?.properties ?? {};
      // The server's alert ids are integers; send one when the id reads as one.
      const alertId = /^\d+$/.test(id) ? Number(id) : id;
      await file(ctx, 'alert.ack', { alert_id: alertId }, [['acknowledge alert', id], ['kind', String(p.kind ?? '')], ['raised', String(p.created ?? p.raised_at ?? '')]]);
    } else {
      const layer = what === 'movement' ? 'movements' : 'sites';
      const p = ctx.state.features[layer].get(id)?.properties ?? {};
      await file(ctx, 'humanitarian.ack', { notification: p.notification ?? id, version: Number(p.version ?? 1), subject: what }, [['acknowledge receipt of', `${p.name ?? id} (${what})`], ['version', String(p.version ?? 1)]]);
    }
  });
}

/** Wires every form; `ctx` = {map, state, reload(layerId), upsert(layerId, item), canAck}. */
export function initForms(ctx) {
  const draw = makeDrawing(ctx.map);
  wireKeyDialog(ctx);
  wireNotification(ctx, draw);
  wireIncident(ctx, draw);
  wireAcknowledgments(ctx);
  showKeyStatus();
  window.jicDraw = draw;
}
