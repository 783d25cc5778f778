// The map's thematic layers: what each one fetches, how an API item becomes a map feature, how
// it is drawn, and the legend that explains it.
//
// The API answers GeoJSON FeatureCollections or arrays of objects; `toFeatures` accepts both
// (geometry from `geometry`, `area`, `location`, `route`, `waypoints`, or `lat`/`lon`), so the
// page keeps working while endpoints grow. Nothing here decides what a role may see: the page
// draws exactly what the server returned for the signed-in token.

import { zonesFromPackage } from './zones.js';

// Leaflet is a classic script that defines window.L; the pure helpers below also run under
// node (unit tests), where there is no window.
const L = globalThis.window?.L;

/** Escapes text for HTML. Every value from the API goes through it before reaching the DOM. */
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

export const ZONE_KINDS = {
  control: { color: '#2f5fa7', label: 'control' },
  designated_area: { color: '#9c1c1c', label: 'designated area' },
  demilitarized: { color: '#6a3d9a', label: 'demilitarized' },
  protected: { color: '#1e7b34', label: 'protected' },
  restricted_airspace: { color: '#c05000', label: 'restricted airspace' },
  humanitarian_route: { color: '#087f83', label: 'humanitarian route' },
};

// Strike verdicts as the server's assessment names them (jic_protect::strike::StrikeVerdict:
// clear, not_cleared, conflict), plus review states a notice may carry instead.
export const VERDICT_COLORS = {
  clear: '#1e7b34', cleared: '#1e7b34', permitted: '#1e7b34', no_conflict: '#1e7b34',
  requires_notice: '#a86b00', requires_concurrence: '#a86b00', not_cleared: '#a86b00', pending: '#5f6b7a',
  conflict: '#b00020', prohibited: '#b00020', objected: '#b00020', stopped: '#b00020', inconsistent: '#b00020',
};

export const CLASSIFICATION_COLORS = {
  violation: '#b00020', permitted: '#1e7b34', undetermined: '#5f6b7a', unclassified: '#5f6b7a',
};

const PARTY_PALETTE = ['#1f4e9c', '#b3261e', '#6b4c9a', '#00695c', '#8d5b00', '#37474f'];

/** A stable colour per party id. */
export function partyColor(party) {
  let h = 0;
  for (const c of String(party ?? '')) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PARTY_PALETTE[h % PARTY_PALETTE.length];
}

export const LAYERS = [
  { id: 'zones', label: 'Agreement zones', paths: ['/agreement/zones', '/agreement'], keys: ['zones'], events: ['agreement'] },
  { id: 'sites', label: 'Protected sites', paths: ['/notifications', '/humanitarian/sites'], keys: ['sites'], only: (p) => (p.kind ?? 'site') === 'site', events: ['humanitarian.notification', 'humanitarian.acknowledgment'] },
  { id: 'movements', label: 'Humanitarian movements', paths: ['/notifications', '/humanitarian/movements'], keys: ['movements'], only: (p) => (p.kind ?? 'movement') === 'movement', events: ['humanitarian.notification', 'humanitarian.acknowledgment'] },
  { id: 'airops', label: 'Air operations (filed)', paths: ['/air-operations'], keys: ['air_operations', 'operations'], events: ['air_operation', 'alert'] },
  { id: 'tracks', label: 'Live tracks', paths: ['/tracks'], keys: ['tracks'], events: ['track', 'tracks', 'track_batch'] },
  { id: 'alerts', label: 'Conflict alerts', paths: ['/alerts'], keys: ['alerts'], events: ['alert', 'alert_ack'] },
  { id: 'strikes', label: 'Strike notices', paths: ['/strike-notices', '/strikes'], keys: ['strikes', 'notices'], events: ['strike.notice', 'strike.review', 'strike.stop'] },
  { id: 'incidents', label: 'Incidents', paths: ['/incidents'], keys: ['incidents'], events: ['incident.report', 'incident'] },
];

export const LAYER_BY_ID = Object.fromEntries(LAYERS.map((l) => [l.id, l]));

function isGeometry(value) {
  return value && typeof value === 'object' && typeof value.type === 'string' && ('coordinates' in value || 'geometries' in value);
}

function point(lon, lat, alt) {
  return { type: 'Point', coordinates: alt === undefined ? [lon, lat] : [lon, lat, alt] };
}

/** The geometry of an API item, or null. */
export function geometryOf(item) {
  for (const key of ['geometry', 'area', 'strike_area', 'location', 'route', 'position']) {
    const value = item[key];
    if (isGeometry(value)) return value;
    if (value && typeof value === 'object' && Number.isFinite(value.lat) && Number.isFinite(value.lon)) {
      return point(value.lon, value.lat);
    }
  }
  if (!item.plan && Array.isArray(item.conflicting_legs) && item.conflicting_legs.length > 0) {
    // Another party's operation: the server sends only the legs that conflict with ours.
    return { type: 'MultiLineString', coordinates: item.conflicting_legs.map((leg) => (leg.waypoints ?? []).map((w) => [w.lon, w.lat, w.alt_ft])) };
  }
  const waypoints = item.waypoints ?? item.plan?.waypoints;
  if (Array.isArray(waypoints) && waypoints.length > 0) {
    return { type: 'LineString', coordinates: waypoints.map((w) => (Array.isArray(w) ? w : [w.lon, w.lat, w.alt_ft])) };
  }
  if (Number.isFinite(item.lat) && Number.isFinite(item.lon)) return point(item.lon, item.lat);
  return null;
}

/** Turns any list-shaped API answer into GeoJSON Features (items without an id get one). */
export function toFeatures(data, layer) {
  if (!data) return [];
  if (layer?.id === 'zones' && data.package) return zonesFromPackage(data.package);
  let items = data;
  if (!Array.isArray(items)) {
    if (data.type === 'FeatureCollection') items = data.features;
    else {
      const key = [...(layer?.keys ?? []), 'features', 'items', 'data'].find((k) => data[k] !== undefined);
      if (key === undefined) return [];
      return toFeatures(data[key], layer);
    }
  }
  return items.filter(Boolean).map((raw, i) => {
    // An incident comes as {id, version, status, report: {…}, classification: {…}}: lift the
    // report's fields so location and times read like any other item's.
    const item = raw.report && typeof raw.report === 'object' ? { ...raw.report, ...raw } : raw;
    const feature = item.type === 'Feature'
      ? item
      : { type: 'Feature', id: item.id, geometry: geometryOf(item), properties: item };
    const props = feature.properties ?? {};
    const id = feature.id ?? props.id ?? props.leaf_index ?? `${layer?.id ?? 'item'}-${i}`;
    return { ...feature, id: String(id), properties: props };
  }).filter((f) => !layer?.only || layer.only(f.properties));
}

function parseTime(value) {
  if (value === undefined || value === null) return NaN;
  return Date.parse(value);
}

/** When the page learned of an item (receipt time first: that is what the log vouches for). */
export function knownAt(props) {
  for (const key of ['received_at', 'received', 'receipt_time', 'raised_at', 'created', 'filed_at', 'reported_at', 'created_at', 'observed', 'time', 'at', 'updated']) {
    const t = parseTime(props[key]);
    if (Number.isFinite(t)) return t;
  }
  return NaN;
}

/** The validity window of an item as [from, to] in ms (NaN where open). */
export function windowOf(props) {
  const w = props.window ?? {};
  const from = parseTime(props.valid_from ?? props.window_start ?? w.start ?? w.from ?? props.start);
  const to = parseTime(props.valid_until ?? props.valid_to ?? props.window_end ?? w.end ?? w.to ?? props.end);
  return [from, to];
}

/**
 * Whether a filed air operation is current at `t` (ms): from six hours before its first
 * waypoint to thirty minutes after its last. Plans without times, or without a known moment,
 * count as current; cancelled ones never do.
 */
export function operationCurrentAt(props, t) {
  if (props.status === 'cancelled') return false;
  const waypoints = props.plan?.waypoints ?? props.waypoints ?? (props.conflicting_legs ?? []).flatMap((l) => l.waypoints ?? []);
  const times = waypoints.map((w) => parseTime(w.time)).filter(Number.isFinite);
  if (times.length === 0 || !Number.isFinite(t)) return true;
  return Math.min(...times) - 6 * 3600 * 1000 <= t && t <= Math.max(...times) + 30 * 60 * 1000;
}

/** Whether an item belongs on the map at moment `t` (ms; Infinity = now). */
export function visibleAt(layerId, props, t) {
  if (t === Infinity) return true;
  const known = knownAt(props);
  if (Number.isFinite(known) && known > t) return false;
  if (layerId === 'tracks') {
    // A position older than ten minutes at the replayed moment is history, not a live track.
    return !Number.isFinite(known) || known >= t - 10 * 60 * 1000;
  }
  return true;
}

function fmtTime(value) {
  const t = typeof value === 'number' ? value : parseTime(value);
  if (!Number.isFinite(t)) return value ? esc(value) : '—';
  return new Date(t).toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$|:\d\dZ$/, 'Z');
}

function row(label, value) {
  return value === undefined || value === null || value === '' ? '' : `<dt>${esc(label)}</dt><dd>${value}</dd>`;
}

function popup(title, rows) {
  return `<h3>${esc(title)}</h3><dl class="summary">${rows.join('')}</dl>`;
}

function acks(props) {
  const list = props.acknowledgments ?? props.acks;
  if (!Array.isArray(list)) return undefined;
  if (list.length === 0) return 'none yet';
  return list.map((a) => `${esc(a.party ?? a)}${a.at || a.time || a.received_at ? ' at ' + fmtTime(a.at ?? a.time ?? a.received_at) : ''}${a.late ? ' (late)' : ''}`).join('<br>');
}

function hatchPattern(color) {
  const id = 'jic-hatch-' + color.slice(1);
  if (!document.getElementById(id)) {
    const ns = 'http://www.w3.org/2000/svg';
    let defs = document.getElementById('jic-patterns');
    if (!defs) {
      const svg = document.createElementNS(ns, 'svg');
      svg.setAttribute('width', '0');
      svg.setAttribute('height', '0');
      svg.setAttribute('aria-hidden', 'true');
      svg.style.position = 'absolute';
      defs = document.createElementNS(ns, 'defs');
      defs.id = 'jic-patterns';
      svg.append(defs);
      document.body.append(svg);
    }
    const pattern = document.createElementNS(ns, 'pattern');
    pattern.id = id;
    pattern.setAttribute('patternUnits', 'userSpaceOnUse');
    pattern.setAttribute('width', '8');
    pattern.setAttribute('height', '8');
    pattern.setAttribute('patternTransform', 'rotate(45)');
    const line = document.createElementNS(ns, 'line');
    line.setAttribute('x1', '0'); line.setAttribute('y1', '0'); line.setAttribute('x2', '0'); line.setAttribute('y2', '8');
    line.setAttribute('stroke', color); line.setAttribute('stroke-width', '3'); line.setAttribute('stroke-opacity', '0.55');
    pattern.append(line);
    defs.append(pattern);
  }
  return `url(#${id})`;
}

/** Zone kind from the agreement's names or the scenario data's (`control_zone`, …). */
function zoneKind(props) {
  const kind = String(props.kind ?? props.zone_kind ?? '').replace(/_zone$/, '');
  if (ZONE_KINDS[kind]) return kind;
  if (kind === 'agreement' || kind === 'demilitarised' || kind === 'exclusion') return 'demilitarized';
  if (kind === 'route') return 'humanitarian_route';
  return 'control';
}

export function zoneStyle(props) {
  const kind = ZONE_KINDS[zoneKind(props)];
  const status = props.status ?? 'agreed';
  const style = { color: kind.color, weight: 2, fillColor: kind.color, fillOpacity: 0.15, className: `zone zone-${status}` };
  if (status === 'proposed') Object.assign(style, { dashArray: '8 5', fillOpacity: 0.07 });
  if (status === 'disputed') Object.assign(style, { dashArray: '3 6', weight: 3, fillColor: hatchPattern(kind.color), fillOpacity: 1 });
  return style;
}

/** Legend entries per layer: [{swatch class, style, label}]. */
export function legendFor(layerId) {
  const swatch = (color, label, extra = '') => ({ color, label, extra });
  switch (layerId) {
    case 'zones':
      return [
        ...Object.values(ZONE_KINDS).map((k) => swatch(k.color, k.label)),
        swatch('#333', 'proposed', 'dashed'),
        swatch('#333', 'disputed (hatched)', 'dashed hatched'),
      ];
    case 'sites': return [swatch('#1e7b34', 'shared site', 'dot'), swatch('#1e7b34', 'sealed (own only)', 'dot dashed')];
    case 'movements': return [swatch('#087f83', 'route (window in label)', 'line dashed')];
    case 'airops': return [swatch('#1f4e9c', 'plan, coloured by party', 'line dashed')];
    case 'tracks': return [swatch('#1f4e9c', 'aircraft: heading, FL', 'dot')];
    case 'alerts': return [swatch('#b00020', 'pair', 'line'), swatch('#b00020', 'closest point', 'dot')];
    case 'strikes': return [swatch('#b00020', 'conflict', ''), swatch('#a86b00', 'not cleared', ''), swatch('#1e7b34', 'clear', ''), swatch('#5f6b7a', 'effects radius', 'dashed')];
    case 'incidents': return [swatch('#b00020', 'violation', 'dot'), swatch('#1e7b34', 'permitted', 'dot'), swatch('#5f6b7a', 'undetermined', 'dot')];
    default: return [];
  }
}

function trackIcon(props) {
  const heading = Number(props.trk_deg ?? props.track_deg ?? props.heading ?? 0);
  const color = partyColor(props.party);
  const alt = Number(props.alt_ft);
  const label = `${esc(props.callsign ?? props.id)} ${Number.isFinite(alt) ? 'FL' + String(Math.round(alt / 100)).padStart(3, '0') : ''}`;
  const html = `<svg width="22" height="22" viewBox="-11 -11 22 22" aria-hidden="true"><g transform="rotate(${heading})"><path d="M0,-10 L6,8 L0,4 L-6,8 Z" fill="${color}" stroke="#fff" stroke-width="1.5"/></g></svg><span class="track-label">${label}</span>`;
  return L.divIcon({ html, className: 'track-icon', iconSize: [22, 22], iconAnchor: [11, 11] });
}

function geoLayer(feature, style, options = {}) {
  return L.geoJSON(feature, {
    style: () => style,
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 7, ...style, fillOpacity: 0.85 }),
    ...options,
  });
}

/** A strike notice's verdict keyword (the assessment's, else a review state, else pending). */
export function strikeVerdict(p) {
  const v = p.verdict?.verdict ?? p.verdict?.status ?? p.verdict ?? p.assessment?.verdict ?? p.status ?? 'pending';
  return String(v);
}

// Findings that decide a verdict first, information last (stable within a rank).
const SEVERITY_RANK = { conflict: 0, violation: 0, error: 0, warning: 1, not_cleared: 1, info: 3 };

/**
 * A strike assessment's findings as a popup list, the deciding ones first: each `rule_id`
 * (bold), its severity, the detail, and the agreement clause as a smaller line. Escaped.
 */
export function findingsHtml(findings) {
  if (!Array.isArray(findings) || findings.length === 0) return undefined;
  const rank = (f) => SEVERITY_RANK[f.severity] ?? 2;
  const items = findings.map((f, i) => [f, i]).sort(([a, i], [b, j]) => rank(a) - rank(b) || i - j).map(([f]) => {
    const rule = f.rule_id || f.rule || f.check;
    const detail = f.detail ?? f.text ?? f.message ?? (rule ? '' : JSON.stringify(f));
    const severity = f.severity ? ` <span class="finding-severity">${esc(f.severity)}</span>` : '';
    const clause = f.clause ? `<br><small>${esc(f.clause)}</small>` : '';
    return `<li class="finding finding-${esc(String(f.severity ?? 'unknown').replace(/[^a-z_]/g, ''))}">${rule ? `<strong>${esc(rule)}</strong>${severity}: ` : ''}${esc(detail)}${clause}</li>`;
  });
  return `<ul class="findings">${items.join('')}</ul>`;
}

/**
 * Draws one feature of a layer into `group`. `ctx.canAck(kind, props)` and `ctx.onAck(kind,
 * props)` wire acknowledge buttons in popups.
 */
export function drawFeature(layerId, feature, group, ctx) {
  const p = feature.properties;
  const name = p.name ?? p.callsign ?? p.id ?? feature.id;
  let layer = null;
  switch (layerId) {
    case 'zones': {
      if (!feature.geometry) return false;
      const kind = zoneKind(p);
      layer = geoLayer(feature, zoneStyle(p));
      layer.bindTooltip(`${esc(name)} — ${esc(ZONE_KINDS[kind].label)}, ${esc(p.status ?? 'agreed')}`, { sticky: true });
      layer.bindPopup(popup(name, [
        row('kind', esc(ZONE_KINDS[kind].label)), row('status', esc(p.status ?? 'agreed')),
        row('controller', esc(p.controller ?? (p.groups ?? p.present_groups ?? []).join?.(', '))),
        row('valid', p.valid_from || p.valid_to ? `${fmtTime(p.valid_from)} – ${fmtTime(p.valid_to)}` : undefined),
        row('floor/ceiling', p.floor_ft !== undefined ? `${esc(p.floor_ft)}–${esc(p.ceiling_ft)} ft` : undefined),
        row('approximate', p.approximate ? 'yes' : undefined),
      ]));
      break;
    }
    case 'sites': {
      if (!feature.geometry) return false;
      const sealed = p.disclosure === 'sealed';
      const style = { color: '#1e7b34', fillColor: '#2fae4f', weight: 2, dashArray: sealed ? '4 4' : undefined };
      layer = geoLayer(feature, style);
      if (feature.geometry.type === 'Point' && Number(p.precision_m) > 0) {
        const [lon, lat] = feature.geometry.coordinates;
        L.circle([lat, lon], { radius: Number(p.precision_m), color: '#1e7b34', weight: 1, fillOpacity: 0.05, interactive: false }).addTo(group);
      }
      const ackButton = ctx.canAck('site', p) ? `<button type="button" data-ack="site" data-id="${esc(feature.id)}">Acknowledge</button>` : '';
      layer.bindPopup(popup(name, [
        row('category', esc(p.category)), row('disclosure', esc(p.disclosure ?? 'shared')),
        row('precision', p.precision_m ? `${esc(p.precision_m)} m` : undefined), row('organisation', esc(p.organisation ?? p.org ?? p.notifier ?? p.owner ?? p.party)), row('status', esc(p.status)),
        row('valid', `${fmtTime(p.valid_from)} – ${fmtTime(p.valid_until ?? p.valid_to)}`), row('acknowledged by', acks(p)),
        row('acknowledge by', p.ack_deadline ? fmtTime(p.ack_deadline) : undefined),
        row('escalated', p.escalation ? `${esc(p.escalation.party)} overdue (level ${esc(p.escalation.level)})` : undefined),
      ]) + ackButton);
      break;
    }
    case 'movements': {
      if (!feature.geometry) return false;
      const [from, to] = windowOf(p);
      layer = geoLayer(feature, { color: '#087f83', weight: 4, dashArray: '10 6' });
      layer.bindTooltip(`${esc(name)}: ${fmtTime(from)} – ${fmtTime(to)}`, { sticky: true });
      const ackButton = ctx.canAck('movement', p) ? `<button type="button" data-ack="movement" data-id="${esc(feature.id)}">Acknowledge</button>` : '';
      layer.bindPopup(popup(name, [
        row('window', `${fmtTime(from)} – ${fmtTime(to)}`), row('vehicles', esc(p.vehicles)), row('markings', esc(p.markings)),
        row('organisation', esc(p.organisation ?? p.org ?? p.notifier ?? p.party)), row('status', esc(p.status)), row('acknowledged by', acks(p)),
        row('acknowledge by', p.ack_deadline ? fmtTime(p.ack_deadline) : undefined),
      ]) + ackButton);
      if (p.expected_position && Number.isFinite(p.expected_position.lat)) {
        L.circleMarker([p.expected_position.lat, p.expected_position.lon], { radius: 6, color: '#087f83', fillOpacity: 1 }).addTo(group);
      }
      break;
    }
    case 'airops': {
      if (!feature.geometry) return false;
      const color = partyColor(p.party);
      layer = geoLayer(feature, { color, weight: 2, dashArray: '6 4', opacity: 0.9 });
      const [from, to] = windowOf(p);
      layer.bindPopup(popup(name, [
        row('party', esc(p.party)), row('status', esc(p.status)), row('version', esc(p.version)),
        row('from', fmtTime(Number.isFinite(from) ? from : p.plan?.waypoints?.[0]?.time)), row('to', fmtTime(to)),
        row('waypoints', Array.isArray(p.waypoints ?? p.plan?.waypoints) ? esc((p.waypoints ?? p.plan.waypoints).length) : undefined),
        row('shown', !p.plan && !p.waypoints && p.conflicting_legs?.length ? 'only the legs that conflict with yours' : undefined),
      ]));
      break;
    }
    case 'tracks': {
      const g = feature.geometry;
      if (!g || g.type !== 'Point') return false;
      layer = L.marker([g.coordinates[1], g.coordinates[0]], { icon: trackIcon(p), keyboard: true, title: `${name}` });
      layer.bindPopup(popup(name, [
        row('party', esc(p.party)), row('altitude', `${esc(p.alt_ft)} ft`), row('ground speed', `${esc(p.gs_kt)} kt`),
        row('track', `${esc(p.trk_deg)}°`), row('vertical', p.vs_fpm !== undefined ? `${esc(p.vs_fpm)} ft/min` : undefined), row('observed', fmtTime(p.observed ?? p.time)),
      ]));
      break;
    }
    case 'alerts': {
      layer = alertLayer(feature, ctx);
      if (!layer) return false;
      break;
    }
    case 'strikes': {
      const g = feature.geometry;
      if (!g) return false;
      const verdict = strikeVerdict(p);
      const color = VERDICT_COLORS[verdict] ?? '#5f6b7a';
      const className = `strike strike-${verdict.replace(/[^a-z_]/g, '')}`;
      const radius = Number(p.radius_m ?? p.area?.radius_m ?? p.strike_area?.radius_m);
      const effects = Number(p.effects_radius_m);
      const center = g.type === 'Point' ? [g.coordinates[1], g.coordinates[0]] : null;
      const area = center && radius > 0
        ? L.circle(center, { radius, color, weight: 2, fillOpacity: 0.25, className })
        : geoLayer(feature, { color, weight: 2, fillOpacity: 0.25, className });
      layer = L.featureGroup([area]);
      // The effects radius around a point target: where the strike's effects may reach.
      if (center && effects > 0) {
        layer.addLayer(L.circle(center, { radius: (radius > 0 ? radius : 0) + effects, color, weight: 1, dashArray: '4 4', fill: false, className: 'strike-effects' }));
      }
      const [from, to] = windowOf(p);
      layer.bindPopup(popup(name, [
        row('party', esc(p.party)), row('verdict', `<strong style="color:${color}">${esc(verdict.replace('_', ' '))}</strong>`),
        row('status', p.status && p.status !== verdict ? esc(p.status) : undefined), row('group', esc(p.group)),
        row('window', `${fmtTime(from)} – ${fmtTime(to)}`),
        row('effects radius', effects > 0 ? `${esc(effects)} m` : undefined),
        row('air operation', p.air_operation ? esc(p.air_operation) : undefined),
        row('received', p.received ? fmtTime(p.received) : undefined),
        row('findings', findingsHtml(p.findings)),
      ]));
      break;
    }
    case 'incidents': {
      const g = feature.geometry;
      if (!g) return false;
      const classification = String(p.classification?.outcome ?? p.classification?.verdict ?? p.classification ?? 'undetermined');
      const color = CLASSIFICATION_COLORS[classification] ?? '#5f6b7a';
      layer = geoLayer(feature, { color, fillColor: color, weight: 2 });
      const uncertainty = Number(p.uncertainty_m ?? p.location?.uncertainty_m);
      if (g.type === 'Point' && uncertainty > 0) {
        L.circle([g.coordinates[1], g.coordinates[0]], { radius: uncertainty, color, weight: 1, dashArray: '3 3', fillOpacity: 0.05, interactive: false }).addTo(group);
      }
      layer.bindPopup(popup(name, [
        row('category', esc(p.category)), row('classification', esc(classification)), row('status', esc(p.status)),
        row('rules', Array.isArray(p.classification?.rules) && p.classification.rules.length ? p.classification.rules.map((r) => esc(r.id ?? r.rule ?? JSON.stringify(r))).join(', ') : undefined),
        row('why', Array.isArray(p.classification?.reasons) && p.classification.reasons.length ? p.classification.reasons.map(esc).join('<br>') : undefined),
        row('time', fmtTime(p.occurred?.from ?? p.time ?? p.reported_at)),
        row('actor', esc(typeof p.actor === 'object' && p.actor ? (p.actor.id ?? p.actor.reported_as ?? p.actor.kind) : p.actor ?? p.alleged_actor)),
        row('killed', (p.casualties?.killed_min ?? p.killed_min) !== undefined ? `${esc(p.casualties?.killed_min ?? p.killed_min)}–${esc(p.casualties?.killed_max ?? p.killed_max)}` : undefined),
      ]));
      break;
    }
    default:
      return false;
  }
  layer.feature = feature;
  layer.addTo(group);
  return true;
}

const EARTH_RADIUS_M = 6371000;

/** Where a track state will be after `seconds`, flying straight (DESIGN.md §3.2's model). */
export function extrapolate(state, seconds) {
  const distance = Number(state.gs_kt ?? 0) * 0.514444 * seconds;
  const track = (Number(state.trk_deg ?? 0) * Math.PI) / 180;
  const lat = state.lat + ((distance * Math.cos(track)) / EARTH_RADIUS_M) * (180 / Math.PI);
  const lon = state.lon + ((distance * Math.sin(track)) / (EARTH_RADIUS_M * Math.cos((state.lat * Math.PI) / 180))) * (180 / Math.PI);
  return { lat, lon };
}

/**
 * The two aircraft of an alert and the predicted closest point. The server's alert detail holds
 * either both aircraft (`detail.aircraft`, the duty officer's view) or the reader's own id and
 * the other aircraft (`detail.own`, `detail.other`, a party's view: its own position comes from
 * the tracks layer through `lookupTrack`). The closest point is the midpoint of both aircraft
 * extrapolated to `tcpa_s`, unless the server names one.
 */
export function alertParts(props, lookupTrack = () => null) {
  const detail = props.detail ?? {};
  const conflict = detail.conflict ?? props.conflict ?? props;
  const pos = (x) => {
    if (!x || typeof x !== 'object') return null;
    if (Number.isFinite(x.lat) && Number.isFinite(x.lon)) return { ...x, id: x.id ?? x.aircraft };
    return null;
  };
  let aircraft = Array.isArray(detail.aircraft) ? detail.aircraft : Array.isArray(props.aircraft) && typeof props.aircraft[0] === 'object' ? props.aircraft : [props.a, props.b];
  if (detail.own !== undefined && detail.other) aircraft = [lookupTrack(detail.own) ?? { id: detail.own }, detail.other];
  let [a, b] = aircraft.map((x) => pos(x) ?? (x && typeof x === 'object' ? { id: x.id ?? x.aircraft } : null));
  const ids = props.subject?.aircraft ?? [];
  if (!a && ids[0]) a = { id: ids[0] };
  if (!b && ids[1]) b = { id: ids[1] };
  const located = (x) => x && Number.isFinite(x.lat);
  let cpa = pos(props.cpa ?? props.closest_point ?? conflict.cpa ?? null);
  const tcpa = Number(conflict.tcpa_s ?? props.tcpa_s);
  if (!cpa && located(a) && located(b) && Number.isFinite(tcpa)) {
    const pa = extrapolate(a, Math.max(tcpa, 0));
    const pb = extrapolate(b, Math.max(tcpa, 0));
    cpa = { lat: (pa.lat + pb.lat) / 2, lon: (pa.lon + pb.lon) / 2 };
  }
  return { a: located(a) ? a : a ? { id: a.id } : null, b: located(b) ? b : b ? { id: b.id } : null, cpa, tcpa_s: Number.isFinite(tcpa) ? tcpa : undefined, dcpa_nm: conflict.dcpa_nm ?? props.dcpa_nm, legs: detail.legs ?? (detail.other?.waypoints ? [detail.other] : []) };
}

/** Whether an alert is acknowledged (by the reader's party when known, else by anyone). */
export function isAcknowledged(props, party) {
  if (props.acknowledged === true || props.status === 'acknowledged') return true;
  const acksList = Array.isArray(props.acks) ? props.acks : [];
  return party ? acksList.some((x) => x.party === party) : false;
}

function alertLayer(feature, ctx) {
  const p = feature.properties;
  const parts = alertParts(p, ctx.lookupTrack);
  const { a, b, cpa } = parts;
  const group = L.featureGroup();
  const color = isAcknowledged(p, ctx.party) ? '#1e7b34' : '#b00020';
  const located = [a, b].filter((x) => x && Number.isFinite(x.lat));
  if (located.length === 2) L.polyline(located.map((x) => [x.lat, x.lon]), { color, weight: 3 }).addTo(group);
  for (const x of located) {
    L.circleMarker([x.lat, x.lon], { radius: 6, color, fillColor: '#fff', fillOpacity: 1, weight: 3 })
      .bindTooltip(`${esc(x.id)}${x.alt_ft !== undefined ? ' ' + esc(Math.round(x.alt_ft)) + ' ft' : ''}`).addTo(group);
  }
  for (const leg of parts.legs) {
    const line = (leg.waypoints ?? []).map((w) => [w.lat, w.lon]);
    if (line.length >= 2) L.polyline(line, { color, weight: 4, dashArray: '2 6' }).bindTooltip(`conflicting leg of ${esc(leg.operation)}`).addTo(group);
  }
  if (cpa) {
    L.circleMarker([cpa.lat, cpa.lon], { radius: 8, color, fillColor: color, fillOpacity: 0.9, weight: 2, className: 'alert-cpa' })
      .bindTooltip(`predicted closest point${parts.tcpa_s !== undefined ? ` in ${Math.round(parts.tcpa_s)} s` : ''}`).addTo(group);
  }
  if (group.getLayers().length === 0) {
    if (!feature.geometry) return null;
    geoLayer(feature, { color }).addTo(group);
  }
  group.bindPopup(alertSummary(p, feature.id, ctx.lookupTrack));
  return group;
}

/** A one-line title for an alert. */
export function alertTitle(p, lookupTrack) {
  const kind = p.kind ? String(p.kind).replace(/_/g, ' ') : 'alert';
  const subject = p.subject ?? {};
  const { a, b } = alertParts(p, lookupTrack);
  let who;
  if (Array.isArray(subject.operations)) who = subject.operations.map((o) => `${o.party}:${o.id}`).join(' / ');
  else if (a || b) who = `${a?.id ?? '?'} / ${b?.id ?? '?'}`;
  else who = [subject.notice, subject.notification, subject.incident, subject.party, subject.id].filter((x) => typeof x === 'string' || typeof x === 'number').join(' · ');
  return who ? `${kind}: ${who}` : kind;
}

export function alertSummary(p, id, lookupTrack) {
  const parts = alertParts(p, lookupTrack);
  const detail = p.detail ?? {};
  return popup(alertTitle(p, lookupTrack), [
    row('alert', esc(id)), row('severity', esc(p.severity)),
    row('closest in', parts.tcpa_s !== undefined ? `${Math.round(parts.tcpa_s)} s` : undefined),
    row('miss distance', parts.dcpa_nm !== undefined ? `${Number(parts.dcpa_nm).toFixed(2)} nm` : detail.min_horizontal_nm !== undefined ? `${Number(detail.min_horizontal_nm).toFixed(2)} nm` : undefined),
    row('first loss', detail.first_loss ? fmtTime(detail.first_loss) : undefined),
    row('raised', fmtTime(p.created ?? p.raised_at ?? p.time)),
    row('acknowledged by', Array.isArray(p.acks) && p.acks.length ? p.acks.map((x) => `${esc(x.party)} at ${fmtTime(x.time)}`).join('<br>') : undefined),
  ]);
}

export { fmtTime };
