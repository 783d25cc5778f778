// Agreement zones from the package the server returns at GET /api/v1/agreement: the zone
// terms (`[[zones]]` tables of agreement.toml: id, kind, status, controller, validity, …) joined
// to the GeoJSON features they name (`feature = "…"`). Used until the server offers the joined
// zones itself (web/API_NEEDS.md).
//
// The TOML reader is deliberately small: it reads `[[zones]]` array-of-tables entries with
// `key = value` lines whose values are strings, numbers, booleans, bare datetimes or one-line
// arrays of those — the subset zone terms use. Anything else is skipped, never guessed.

/** The package's files as [name, text] pairs, whatever JSON shape the server chose. */
export function packageFiles(pkg) {
  if (!pkg) return [];
  if (Array.isArray(pkg)) {
    return pkg.map((entry) => (Array.isArray(entry) ? entry : [entry.name ?? entry.path, entry.content ?? entry.text]))
      .filter(([name, text]) => typeof name === 'string' && typeof text === 'string');
  }
  if (typeof pkg === 'object') {
    if (pkg.files) return packageFiles(pkg.files);
    return Object.entries(pkg).filter(([, text]) => typeof text === 'string');
  }
  return [];
}

function parseValue(text) {
  const t = text.trim();
  if (t.startsWith('"')) {
    try { return JSON.parse(t); } catch { return undefined; }
  }
  if (t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t.startsWith('[') && t.endsWith(']')) {
    const inner = t.slice(1, -1).trim();
    if (!inner) return [];
    const items = inner.match(/"(?:[^"\\]|\\.)*"|[^,\s][^,]*/g) ?? [];
    return items.map((item) => parseValue(item)).filter((v) => v !== undefined);
  }
  if (/^[+-]?\d[\d_]*(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?)?$/.test(t)) return t;
  return undefined;
}

/** The `[[zones]]` entries of an agreement.toml, as plain objects. */
export function zoneTerms(toml) {
  const zones = [];
  let current = null;
  for (const raw of toml.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      current = line === '[[zones]]' ? {} : null;
      if (current) zones.push(current);
      continue;
    }
    if (!current) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().replace(/^"|"$/g, '');
    const value = parseValue(line.slice(eq + 1));
    if (value !== undefined) current[key] = value;
  }
  return zones;
}

/** Zone features (terms joined to geometry) from an agreement package. */
export function zonesFromPackage(pkg) {
  const files = packageFiles(pkg);
  const geometry = new Map();
  let terms = [];
  for (const [name, text] of files) {
    if (name.endsWith('.toml')) terms = terms.concat(zoneTerms(text));
    else if (name.endsWith('.geojson') || name.endsWith('.json')) {
      try {
        const fc = JSON.parse(text);
        for (const f of fc.features ?? []) geometry.set(String(f.properties?.id ?? f.id), f);
      } catch { /* not GeoJSON: skip */ }
    }
  }
  return terms
    .map((zone) => {
      const f = geometry.get(String(zone.feature ?? zone.id));
      if (!f) return null;
      return { type: 'Feature', id: String(zone.id), geometry: f.geometry, properties: { ...f.properties, ...zone, id: zone.id } };
    })
    .filter(Boolean);
}
