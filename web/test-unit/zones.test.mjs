// The agreement-package reader: [[zones]] terms joined to their GeoJSON features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { zoneTerms, zonesFromPackage } from '../src/js/zones.js';

test('zone terms read strings, numbers, datetimes and arrays, and skip other tables', () => {
  const toml = `
[agreement]
id = "x"
[[zones]]
id = "aleppo_east"   # trailing comment
feature = "aleppo_east_opposition"
kind = "control"
status = "disputed"
present_groups = ["opposition_factions", "jfs"]
radius_m = 1_000
valid_from = 2016-09-12T19:00:00+03:00
[[rules]]
id = "not-a-zone"
[[zones]]
id = 'route'
kind = "humanitarian_route"
`;
  assert.deepEqual(zoneTerms(toml), [
    { id: 'aleppo_east', feature: 'aleppo_east_opposition', kind: 'control', status: 'disputed', present_groups: ['opposition_factions', 'jfs'], radius_m: 1000, valid_from: '2016-09-12T19:00:00+03:00' },
    { id: 'route', kind: 'humanitarian_route' },
  ]);
});

test('zones join terms to geometry by feature id; package shapes vary', () => {
  const geojson = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'f1', approximate: true }, geometry: { type: 'Point', coordinates: [37, 36] } }] });
  const toml = '[[zones]]\nid = "z1"\nfeature = "f1"\nkind = "control"\n[[zones]]\nid = "z2"\nfeature = "missing"\n';
  for (const pkg of [{ 'agreement.toml': toml, 'zones.geojson': geojson }, [['agreement.toml', toml], ['zones.geojson', geojson]], { files: [{ name: 'agreement.toml', content: toml }, { name: 'zones.geojson', content: geojson }] }]) {
    const zones = zonesFromPackage(pkg);
    assert.equal(zones.length, 1);
    assert.equal(zones[0].id, 'z1');
    assert.equal(zones[0].properties.kind, 'control');
    assert.equal(zones[0].properties.approximate, true);
  }
});

test('the shipped September 2016 package yields its zones', { skip: !existsSync(new URL('../../scenarios/syria-2016-09/agreement/agreement.toml', import.meta.url)) && 'scenario package not in this checkout' }, () => {
  const dir = new URL('../../scenarios/syria-2016-09/agreement/', import.meta.url);
  const pkg = { 'agreement.toml': readFileSync(new URL('agreement.toml', dir), 'utf8'), 'zones.geojson': readFileSync(new URL('zones.geojson', dir), 'utf8') };
  const zones = zonesFromPackage(pkg);
  assert.ok(zones.length >= 5, `only ${zones.length} zones`);
  assert.ok(zones.every((z) => z.geometry && z.properties.kind));
});
