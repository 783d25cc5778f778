// The dashboard's entry point: the offline basemap, the thematic layers and their legend, live
// updates over SSE, the alert list, the replay slider, and sign-in.

import { getJson, getAsOf, followEvents, token, setToken, ApiError } from './api.js';
import { LAYERS, LAYER_BY_ID, toFeatures, drawFeature, visibleAt, operationCurrentAt, knownAt, legendFor, esc, alertSummary, alertParts, alertTitle, isAcknowledged, fmtTime } from './layers.js';
import { initForms } from './forms.js';

const L = window.L;

const state = {
  identity: null, // {role, party, ...} from the server, when it tells
  features: Object.fromEntries(LAYERS.map((l) => [l.id, new Map()])),
  notes: {}, // layer id → why it is empty ("not available on this server", "sign in")
  enabled: Object.fromEntries(LAYERS.map((l) => [l.id, true])),
  groups: {},
  moment: Infinity, // Infinity = now; otherwise ms since epoch being replayed
  range: null, // [min, max] of the slider, ms
  past: null, // {at, features: {layerId: Map}}: the server's answer for the replayed moment `at`
  asOf: null, // null: not tried yet; true: the server answers `?as_of=`; false: it refuses it
};

// ---------------------------------------------------------------- map and basemap

const map = L.map('map', {
  zoomControl: true, minZoom: 4, maxZoom: 15, zoomSnap: 0.5, keyboard: true, attributionControl: true,
  preferCanvas: false, worldCopyJump: false,
}).fitBounds([[32.2, 35.6], [37.4, 42.4]]);
map.attributionControl.setPrefix(false);
map.attributionControl.addAttribution('Basemap: Natural Earth (public domain)');
map.createPane('basemap').style.zIndex = 250;

async function loadBasemap() {
  const layers = [
    ['ne_neighbours_adm0.geojson', { color: '#8a8f98', weight: 1, fillColor: '#ece8df', fillOpacity: 1 }],
    ['ne_syria_adm0.geojson', { color: '#30343b', weight: 2.5, fillColor: '#fbf9f3', fillOpacity: 1 }],
    ['ne_syria_adm1.geojson', { color: '#7b818c', weight: 1, dashArray: '4 3', fill: false }],
  ];
  for (const [file, style] of layers) {
    const response = await fetch(`/assets/data/${file}`);
    if (!response.ok) continue;
    const data = await response.json();
    L.geoJSON(data, { pane: 'basemap', interactive: false, style: () => style }).addTo(map);
    if (file === 'ne_neighbours_adm0.geojson') {
      for (const f of data.features) {
        if (f.properties.ADM0_A3 === 'SYR') continue;
        const center = L.geoJSON(f).getBounds().getCenter();
        L.marker(center, { pane: 'basemap', interactive: false, keyboard: false, icon: L.divIcon({ className: 'country-label', html: esc(f.properties.NAME), iconSize: [90, 16] }) }).addTo(map);
      }
    }
    if (file === 'ne_syria_adm1.geojson') {
      for (const f of data.features) {
        const p = f.properties;
        if (!Number.isFinite(p.latitude)) continue;
        L.marker([p.latitude, p.longitude], { pane: 'basemap', interactive: false, keyboard: false, icon: L.divIcon({ className: 'region-label', html: esc(p.name), iconSize: [90, 14] }) }).addTo(map);
      }
    }
  }
  document.body.dataset.basemap = 'loaded';
}

// ---------------------------------------------------------------- identity and permissions

// Who may submit which kind, as the server's GET /api/v1/kinds says (roles as the roster names
// them: party, duty_officer, humanitarian, monitor, witness). This table is only the fallback
// for a server that does not answer; it mirrors crates/server/src/kinds.
const FALLBACK_KIND_ROLES = {
  'alert.ack': ['party', 'duty_officer', 'humanitarian', 'monitor'],
  'humanitarian.ack': ['party'],
  'humanitarian.site': ['humanitarian'],
  'humanitarian.movement': ['humanitarian'],
  'incident.report': ['party', 'monitor', 'humanitarian'],
};
let kindRoles = null; // Map kind → roles, once the server told

function lookupTrack(id) {
  return state.features.tracks.get(String(id))?.properties ?? null;
}

/**
 * Whether this reader's role may submit `kind`. Only decides what the page offers: the server
 * checks every submission against the roster on its own. With no role known (a server without
 * GET /api/v1/whoami) everything is offered and the server answers.
 */
export function mayFile(kind) {
  if (!token()) return false;
  const role = state.identity?.role;
  if (!role) return true;
  const roles = kindRoles?.get(kind) ?? FALLBACK_KIND_ROLES[kind];
  return !roles || roles.includes(role);
}

/** Whether to offer an acknowledge button. Only an offer: the server decides on submission. */
function canAck(kind, props) {
  const id = state.identity;
  if (!token() || id?.refused) return false;
  if (kind === 'alert' && (props.status === 'closed' || isAcknowledged(props, id?.party))) return false;
  if (kind !== 'alert' && Array.isArray(props.acknowledgments) && id?.party && props.acknowledgments.some((x) => x.party === id.party)) return false;
  if (kind !== 'alert' && Array.isArray(props.recipients) && id?.party && !props.recipients.includes(id.party)) return false;
  return mayFile(kind === 'alert' ? 'alert.ack' : 'humanitarian.ack');
}

/** Shows the filing buttons this role may use, and says so when it may use none. */
function showPermissions() {
  const signedIn = Boolean(token()) && !state.identity?.refused;
  const notify = signedIn && (mayFile('humanitarian.site') || mayFile('humanitarian.movement'));
  const incident = signedIn && mayFile('incident.report');
  const acks = signedIn && (mayFile('alert.ack') || mayFile('humanitarian.ack'));
  document.getElementById('notify-button').hidden = !notify;
  document.getElementById('incident-button').hidden = !incident;
  document.getElementById('key-button').hidden = !(notify || incident || acks);
  const note = document.getElementById('role-note');
  const role = state.identity?.role;
  note.textContent = !signedIn ? 'Sign in to file.'
    : !role ? ''
      : notify || incident || acks
        ? `As ${role.replace('_', ' ')} you may file: ${[notify && 'humanitarian notifications', incident && 'incident reports', acks && 'acknowledgments'].filter(Boolean).join(', ')}.`
        : `As ${role.replace('_', ' ')} you file nothing from this page; you read.`;
}

function showIdentity() {
  const signedIn = Boolean(token());
  document.getElementById('signin-button').hidden = signedIn;
  document.getElementById('signout-button').hidden = !signedIn;
  const id = state.identity;
  const el = document.getElementById('identity');
  el.textContent = !signedIn ? 'not signed in'
    : id?.refused ? 'token refused: sign in again'
      : id?.role ? `signed in as ${id.role}${id.party ? ' (' + id.party + ')' : ''}` : 'signed in';
  el.title = id?.label ? `read token: ${id.label}` : '';
  document.body.dataset.role = id?.refused ? 'refused' : id?.role ?? (signedIn ? 'unknown' : 'none');
  showPermissions();
}

async function loadIdentity() {
  state.identity = null;
  if (token()) {
    try {
      // null on 404/405: a server without the endpoint; the page then offers everything.
      state.identity = await getJson('/whoami');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) state.identity = { refused: true };
    }
    if (kindRoles === null) {
      try {
        const list = await getJson('/kinds');
        if (Array.isArray(list)) kindRoles = new Map(list.map((k) => [k.kind, k.roles ?? []]));
      } catch { /* keep the fallback table */ }
    }
  }
  showIdentity();
}

// ---------------------------------------------------------------- layers and legend

function buildLayerPanel() {
  const list = document.getElementById('layer-list');
  for (const layer of LAYERS) {
    state.groups[layer.id] = L.featureGroup().addTo(map);
    const li = document.createElement('li');
    li.dataset.layer = layer.id;
    const checkboxId = `layer-${layer.id}`;
    const legend = legendFor(layer.id).map((s) => `<span><span class="swatch ${s.extra}" style="border-color:${s.color};${s.extra.includes('hatched') ? 'background:repeating-linear-gradient(45deg,' + s.color + ' 0 2px,transparent 2px 6px)' : s.extra.includes('line') ? '' : 'background:' + s.color + '33'}"></span>${esc(s.label)}</span>`).join('');
    li.innerHTML = `<input type="checkbox" id="${checkboxId}" checked><label for="${checkboxId}">${esc(layer.label)}</label><span class="layer-count" aria-label="items shown">0</span><div class="legend">${legend}</div><div class="layer-note" role="note"></div>`;
    li.querySelector('input').addEventListener('change', (e) => {
      state.enabled[layer.id] = e.target.checked;
      if (e.target.checked) state.groups[layer.id].addTo(map); else state.groups[layer.id].remove();
    });
    list.append(li);
  }
}

function render(layerId) {
  const group = state.groups[layerId];
  group.clearLayers();
  let shown = 0;
  let withoutPosition = 0;
  // Plans are drawn while current. "Now" is the server's latest receipt time, not this
  // machine's clock: a replayed scenario runs on its own time.
  const current = state.moment === Infinity ? state.range?.[1] : state.moment;
  const past = pastItems(layerId);
  // Statuses are the server's at the moment shown: now, or the replayed instant when the server
  // answered for it (a client-side replay only knows today's status, so it keeps every item).
  const statusesThen = state.moment === Infinity || past !== null;
  for (const feature of (past ?? state.features[layerId]).values()) {
    // Also on the server's past answer: a server that ignores `as_of` still replays by receipt.
    if (!visibleAt(layerId, feature.properties, state.moment)) continue;
    if (layerId === 'airops' && !operationCurrentAt(feature.properties, current)) continue;
    if (statusesThen && ['withdrawn', 'expired'].includes(feature.properties.status)) continue;
    if (drawFeature(layerId, feature, group, { canAck, lookupTrack, party: state.identity?.party })) shown += 1;
    else if (layerId !== 'alerts') withoutPosition += 1;
  }
  const li = document.querySelector(`li[data-layer="${layerId}"]`);
  li.querySelector('.layer-count').textContent = String(shown);
  // A sealed site is announced to its recipients without a position: say so, show nothing.
  const hidden = withoutPosition ? `${withoutPosition} more without a position you may see. ` : '';
  li.querySelector('.layer-note').textContent = hidden + (state.notes[layerId] ?? '');
  li.dataset.count = String(shown);
  if (layerId === 'alerts') renderAlertList();
}

function renderAll() {
  for (const layer of LAYERS) render(layer.id);
}

async function loadLayer(layerId) {
  const layer = LAYER_BY_ID[layerId];
  if (!token() || state.identity?.refused) {
    // Every read needs a role token: ask for one rather than collect 401s.
    state.features[layerId] = new Map();
    state.notes[layerId] = state.identity?.refused ? 'token refused: sign in again' : 'sign in to see this layer';
    render(layerId);
    return;
  }
  let found = false;
  for (const path of layer.paths) {
    try {
      const data = await getJson(path);
      if (data === null) continue;
      const features = toFeatures(data, layer);
      const next = new Map(features.map((f) => [f.id, f]));
      state.features[layerId] = next;
      state.notes[layerId] = '';
      found = true;
      break;
    } catch (e) {
      state.notes[layerId] = e instanceof ApiError && (e.status === 401 || e.status === 403)
        ? (token() ? 'your role may not read this' : 'sign in to see this layer')
        : `could not load: ${e.message}`;
      state.features[layerId] = new Map();
      found = true;
      break;
    }
  }
  if (!found) {
    // No list endpoint on this server (web/API_NEEDS.md): keep what live events brought.
    state.notes[layerId] = token() ? 'from live events only (no list endpoint on this server yet)' : 'sign in to see this layer';
  }
  render(layerId);
  updateRange();
}

async function loadAll() {
  document.body.dataset.loaded = 'false';
  await Promise.all(LAYERS.map((l) => loadLayer(l.id)));
  document.body.dataset.loaded = 'true';
}

const pendingReloads = new Map();
function reloadSoon(layerId) {
  clearTimeout(pendingReloads.get(layerId));
  pendingReloads.set(layerId, setTimeout(() => loadLayer(layerId), 400));
}

/** Puts an item from an event or a submission into a layer at once (a reload follows). */
export function upsert(layerId, item) {
  const [feature] = toFeatures([item], LAYER_BY_ID[layerId]);
  if (!feature || feature.id.startsWith(`${layerId}-`)) return;
  state.features[layerId].set(feature.id, feature);
  render(layerId);
  updateRange();
}

// ---------------------------------------------------------------- alerts side list

const announced = new Set();
/** An alert needs nothing more from this reader: acknowledged by its party, or closed by jic
 * because the conflict resolved. */
function settled(props) {
  return props.status === 'closed' || isAcknowledged(props, state.identity?.party);
}

function renderAlertList() {
  const list = document.getElementById('alert-list');
  const alerts = [...(pastItems('alerts') ?? state.features.alerts).values()]
    .filter((f) => visibleAt('alerts', f.properties, state.moment))
    // Open alerts first, newest first within each group.
    .sort((x, y) => Number(settled(x.properties)) - Number(settled(y.properties))
      || (knownAt(y.properties) || 0) - (knownAt(x.properties) || 0));
  const open = alerts.filter((f) => !settled(f.properties));
  document.getElementById('alert-count').textContent = String(open.length);
  document.getElementById('alert-empty').hidden = alerts.length > 0;
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const keep = new Set();
  alerts.forEach((feature, index) => {
    const p = feature.properties;
    const acked = isAcknowledged(p, state.identity?.party);
    const parts = alertParts(p, lookupTrack);
    let li = existing.get(feature.id);
    if (!li) {
      li = document.createElement('li');
      li.dataset.id = feature.id;
    }
    const title = alertTitle(p, lookupTrack);
    const meta = [
      p.severity ?? '',
      parts.tcpa_s !== undefined ? `closest in ${Math.round(parts.tcpa_s)} s` : '',
      parts.dcpa_nm !== undefined ? `${Number(parts.dcpa_nm).toFixed(1)} nm` : '',
      `raised ${fmtTime(p.created ?? p.raised_at ?? p.time)}`,
      acked ? 'acknowledged' : '',
      p.status === 'closed' ? `closed${p.reason ? `: ${p.reason}` : ''}` : '',
      Array.isArray(p.acks) && p.acks.length ? `acks: ${p.acks.map((x) => x.party).join(', ')}` : '',
    ].filter(Boolean).join(' · ');
    li.className = settled(p) ? 'acknowledged' : '';
    li.dataset.severity = p.severity ?? '';
    li.innerHTML = `<div class="alert-title">${esc(title)}</div><div class="alert-meta">${esc(meta)}</div>
      <button type="button" class="secondary" data-show="${esc(feature.id)}">Show on map</button>
      ${canAck('alert', p) ? `<button type="button" data-ack="alert" data-id="${esc(feature.id)}">Acknowledge</button>` : ''}`;
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] ?? null);
    keep.add(feature.id);
    announced.add(feature.id);
  });
  for (const [id, li] of existing) if (!keep.has(id)) li.remove();
}

document.getElementById('alert-list').addEventListener('click', (e) => {
  const show = e.target.closest('[data-show]');
  if (show) {
    const feature = (pastItems('alerts') ?? state.features.alerts).get(show.dataset.show);
    const { a, b, cpa, legs } = alertParts(feature.properties, lookupTrack);
    const points = [a, b, cpa, ...legs.flatMap((l) => l.waypoints ?? [])].filter((x) => x && Number.isFinite(x.lat)).map((x) => [x.lat, x.lon]);
    if (points.length) map.fitBounds(points, { maxZoom: 10, padding: [40, 40] });
    L.popup().setLatLng(points[0] ?? map.getCenter()).setContent(alertSummary(feature.properties, feature.id, lookupTrack)).openOn(map);
  }
});

// ---------------------------------------------------------------- live events

function setConnection(s) {
  const el = document.getElementById('connection');
  el.dataset.state = s;
  el.querySelector('.label').textContent = s;
  if (s === 'connected' && el.dataset.wasDown === 'true') loadAll();
  el.dataset.wasDown = String(s !== 'connected');
}

/** Merges `patch` into the item `id` of a layer (creating it), keeping geometry it lacks. */
function merge(layerId, id, patch) {
  if (id === undefined || id === null) return;
  const key = String(id);
  const old = state.features[layerId].get(key);
  const [fresh] = toFeatures([{ ...(old?.properties ?? {}), ...patch, id: key }], LAYER_BY_ID[layerId]);
  if (!fresh.geometry && old?.geometry) fresh.geometry = old.geometry;
  state.features[layerId].set(key, fresh);
  render(layerId);
  updateRange();
}

/**
 * Applies one server event. Topics and bodies are the server's (crates/server/src/events.rs and
 * the kinds that emit): items are merged in at once, and layers with a list endpoint reload.
 */
const eventLog = []; // the last events received, for inspection (tests, the browser console)

function onEvent({ type, data }) {
  eventLog.push({ type, data });
  if (eventLog.length > 500) eventLog.shift();
  if (type === 'lagged') { loadAll(); return; } // the server dropped events for us: catch up
  const d = data && typeof data === 'object' ? data : {};
  switch (type) {
    case 'alert':
      merge('alerts', d.id, d);
      reloadSoon('alerts');
      reloadSoon('airops');
      break;
    case 'alert_ack': {
      const alert = state.features.alerts.get(String(d.alert_id));
      const acks = [...(alert?.properties.acks ?? []), { party: d.party, time: d.time }];
      merge('alerts', d.alert_id, { acks });
      reloadSoon('alerts');
      break;
    }
    case 'air_operation':
      reloadSoon('airops');
      break;
    case 'humanitarian.notification': {
      const layerId = d.kind === 'movement' || d.route ? 'movements' : 'sites';
      if (d.decision === 'withdrawn') {
        for (const id of ['sites', 'movements']) state.features[id].delete(String(d.notification));
        renderAll();
      } else if (d.decision === 'escalated') {
        merge(layerId, d.notification, { escalation: { party: d.party, level: d.level, due_at: d.due_at } });
      } else if (d.notification !== undefined) {
        // No receipt time is invented here: the reload that follows brings the server's
        // `received` (this machine's clock says nothing about a replayed scenario's time).
        const patch = { ...d };
        if (d.geometry === null) delete patch.geometry; // the notifier's copy carries no geometry
        merge(layerId, d.notification, patch);
      }
      reloadSoon(layerId);
      break;
    }
    case 'humanitarian.acknowledgment':
      for (const layerId of ['sites', 'movements']) {
        const item = state.features[layerId].get(String(d.notification));
        if (!item) continue;
        const acknowledgments = [...(item.properties.acknowledgments ?? []), { party: d.party, at: d.at ?? new Date().toISOString(), late: d.late }];
        merge(layerId, d.notification, { acknowledgments });
      }
      break;
    case 'strike.notice':
    case 'strike.review':
      if (d.notice !== undefined || d.id !== undefined) {
        const notice = typeof d.notice === 'object' && d.notice ? d.notice : {};
        merge('strikes', notice.id ?? d.notice ?? d.id, { ...notice, ...d, notice: undefined, verdict: d.verdict ?? d.status });
      }
      reloadSoon('strikes');
      break;
    default:
      for (const layer of LAYERS) {
        if (!layer.events.includes(type)) continue;
        if (type === layer.events[0] && d.id !== undefined) merge(layer.id, d.id, d);
        reloadSoon(layer.id);
      }
  }
}

let stopEvents = null;
function startEvents() {
  stopEvents?.();
  stopEvents = null;
  if (token() && !state.identity?.refused) stopEvents = followEvents(onEvent, setConnection);
  else setConnection('offline');
}

// ---------------------------------------------------------------- time: now and replay

// The lists whose endpoint answers "what was known at that instant" (`?as_of=`, replayed by the
// server from its log through the same need-to-know rules as the live lists): in replay the page
// draws that answer, so an amended item shows its earlier version, a later receipt is absent.
// Other layers, and every layer on a server that refuses `as_of`, are replayed here by receipt
// time only (today's state of each item known by then).
const AS_OF_PATHS = { sites: '/notifications', movements: '/notifications', strikes: '/strike-notices', alerts: '/alerts', airops: '/air-operations' };
const REPLAY_DEBOUNCE_MS = 250;
let pastTimer = null;
let pastRequest = 0;

/** The server's answer for the replayed moment for `layerId`, or null (live, or not answered). */
function pastItems(layerId) {
  if (state.moment === Infinity || state.past?.at !== state.moment) return null;
  return state.past.features[layerId] ?? null;
}

function showReplaySource() {
  const source = state.moment === Infinity ? 'live'
    : pastItems('sites') || pastItems('strikes') || pastItems('alerts') || pastItems('airops') ? 'server'
      : state.asOf === false || !token() ? 'filter' : 'loading';
  document.body.dataset.replay = source;
  timeLabel.title = source === 'server' ? `as the server's log recorded it at that moment`
    : source === 'filter' ? 'items known by then, in their present state (the server does not replay its log)' : '';
}

/** Asks the server, once the slider rests, for what was known at the replayed moment. */
function scheduleReplay() {
  clearTimeout(pastTimer);
  pastRequest += 1; // an answer still on its way is for another moment
  if (state.moment !== Infinity && state.asOf !== false && token() && !state.identity?.refused) {
    const at = state.moment;
    pastTimer = setTimeout(() => loadPast(at), REPLAY_DEBOUNCE_MS);
  }
  showReplaySource();
}

async function loadPast(at) {
  const request = pastRequest;
  const iso = new Date(at).toISOString();
  const answers = new Map(); // path → Promise<{status, data}> (sites and movements share one)
  const features = {};
  for (const [layerId, path] of Object.entries(AS_OF_PATHS)) {
    if (!answers.has(path)) answers.set(path, getAsOf(path, iso).catch(() => ({ status: 0, data: null })));
    const { status, data } = await answers.get(path);
    if (status === 400 || status === 404) {
      // The probe: this server does not replay its log (or has no such list); filter here.
      state.asOf = false;
      break;
    }
    // Any other failure leaves this layer to the client-side replay.
    if (data !== null) features[layerId] = new Map(toFeatures(data, LAYER_BY_ID[layerId]).map((f) => [f.id, f]));
  }
  if (request !== pastRequest || state.moment !== at) return;
  if (state.asOf === false) {
    state.past = null;
  } else {
    state.asOf = true;
    state.past = { at, features };
  }
  renderAll();
  showReplaySource();
}

const slider = document.getElementById('time-slider');
const nowButton = document.getElementById('now-button');
const timeLabel = document.getElementById('time-label');

function updateRange() {
  // The slider spans what the page knows about: from the first receipt to the last (a replayed
  // scenario lives in its own time, not the wall clock's).
  let min = Infinity;
  let max = -Infinity;
  for (const layer of LAYERS) {
    for (const f of state.features[layer.id].values()) {
      const t = knownAt(f.properties);
      if (Number.isFinite(t) && t < min) min = t;
      if (Number.isFinite(t) && t > max) max = t;
    }
  }
  if (!Number.isFinite(max)) max = Date.now();
  max += 60 * 1000;
  if (!Number.isFinite(min) || min >= max) min = max - 24 * 3600 * 1000;
  const previousMax = state.range?.[1];
  state.range = [min, max];
  showMoment();
  // Which plans are current depends on the latest receipt time: redraw them when it moves.
  if (previousMax !== max && state.moment === Infinity) render('airops');
}

function showMoment() {
  const [min, max] = state.range ?? [Date.now() - 86400000, Date.now()];
  if (state.moment === Infinity) {
    slider.value = slider.max;
    timeLabel.textContent = 'now (live)';
    slider.setAttribute('aria-valuetext', 'now, live');
  } else {
    const label = new Date(state.moment).toISOString().replace('T', ' ').slice(0, 16) + ' UTC (replay)';
    timeLabel.textContent = label;
    slider.setAttribute('aria-valuetext', label);
    slider.value = String(Math.round(((state.moment - min) / Math.max(max - min, 1)) * Number(slider.max)));
  }
  nowButton.setAttribute('aria-pressed', String(state.moment === Infinity));
  document.body.dataset.moment = state.moment === Infinity ? 'now' : String(state.moment);
  showReplaySource();
}

slider.addEventListener('input', () => {
  const [min, max] = state.range;
  const fraction = Number(slider.value) / Number(slider.max);
  state.moment = fraction >= 1 ? Infinity : min + fraction * (max - min);
  showMoment();
  renderAll();
  scheduleReplay();
});
nowButton.addEventListener('click', () => {
  state.moment = Infinity;
  state.past = null;
  showMoment();
  renderAll();
  scheduleReplay();
});

/** Test and automation hook: replay the moment `iso` (or now when null). */
window.jicSetMoment = (iso) => {
  state.moment = iso === null ? Infinity : Date.parse(iso);
  if (state.moment === Infinity) state.past = null;
  showMoment();
  renderAll();
  scheduleReplay();
};

// ---------------------------------------------------------------- sign in

function wireDialogs() {
  for (const button of document.querySelectorAll('.dialog-cancel')) {
    button.addEventListener('click', () => button.closest('dialog').close('cancel'));
  }
  const dialog = document.getElementById('signin-dialog');
  document.getElementById('signin-button').addEventListener('click', () => {
    document.getElementById('signin-token').value = '';
    dialog.showModal();
  });
  document.getElementById('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    setToken(document.getElementById('signin-token').value.trim());
    dialog.close();
    await signedInChanged();
  });
  document.getElementById('signout-button').addEventListener('click', async () => {
    setToken(null);
    await signedInChanged();
  });
}

async function signedInChanged() {
  document.body.dataset.loaded = 'false'; // set before the first await: tests and tools wait on it
  await loadIdentity();
  await loadAll();
  startEvents();
  // Another reader: what it may see of the past is another answer, and another server may
  // answer `as_of` differently.
  state.past = null;
  state.asOf = null;
  scheduleReplay();
}

// ---------------------------------------------------------------- start

// Track positions arrive in batches many times a minute and are not events: poll them while
// the page shows "now".
setInterval(() => {
  if (state.moment === Infinity && document.visibilityState === 'visible' && token()) loadLayer('tracks');
}, 5000);

buildLayerPanel();
wireDialogs();
initForms({ map, state, reload: loadLayer, upsert, canAck });
showIdentity();
showMoment();
loadBasemap().catch((e) => console.error('basemap', e));
signedInChanged().catch((e) => console.error(e));
window.jic = { state, map, reload: loadAll, events: eventLog };
