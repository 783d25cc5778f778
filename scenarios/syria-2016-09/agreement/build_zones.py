#!/usr/bin/env python3
"""Builds zones.geojson for the September 2016 package from ../sources/syria_2016_09_places.geojson.

Run from anywhere: `python3 scenarios/syria-2016-09/agreement/build_zones.py`. Deterministic.

What it does, and why:
- copies the zone-like features of the places file, re-winding every ring to RFC 7946
  (exterior counter-clockwise, holes clockwise): the places file was drawn clockwise;
- turns the Castello Road line and the Ramouseh point into route zones (radius in agreement.toml);
- adds three zones the places file lacks, each marked approximate with its construction method:
  the opposition-held area around Urum al-Kubra and the ISIL-held ring around the Deir ez-Zor
  government enclave (both circles around gazetteer points of events_2016.md §8).
"""
import json
import math
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
PLACES = HERE.parent / "sources" / "syria_2016_09_places.geojson"
R = 6371000.0

KEEP = {
    "aleppo_east_opposition": "East Aleppo (opposition-held, besieged)",
    "aleppo_west_government": "West Aleppo (government-held)",
    "sheikh_maqsoud_ypg": "Sheikh Maqsoud (YPG)",
    "castello_road": "Castello Road",
    "castello_heavy_weapons_exclusion": "Castello Road heavy-weapons withdrawal area",
    "castello_personnel_exclusion": "Castello Road personnel withdrawal area",
    "ramouseh_route": "Ramouseh access route",
    "deir_ez_zor_airport_govt": "Deir ez-Zor airbase enclave (government)",
    "jabal_tharda_target_area": "Jabal al-Tharda positions (Syrian Arab Army)",
}


def signed_area(ring):
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))


def wind(ring, ccw):
    ring = [[round(x, 6), round(y, 6)] for x, y in ring]
    if (signed_area(ring) > 0) != ccw:
        ring.reverse()
    return ring


def circle(lon, lat, radius_m, n=64, ccw=True):
    ring = []
    for i in range(n):
        a = 2 * math.pi * i / n
        dy = radius_m * math.cos(a) / R
        dx = radius_m * math.sin(a) / (R * math.cos(math.radians(lat)))
        ring.append([lon + math.degrees(dx), lat + math.degrees(dy)])
    ring.append(ring[0])
    return wind(ring, ccw)


def feature(fid, name, geometry, props):
    properties = {"id": fid, "name": name}
    properties.update(props)
    return {"type": "Feature", "id": fid, "properties": properties, "geometry": geometry}


def main():
    places = json.loads(PLACES.read_text(encoding="utf-8"))
    out = []
    for f in places["features"]:
        p = f["properties"]
        if p["id"] not in KEEP:
            continue
        g = f["geometry"]
        if g["type"] == "Polygon":
            rings = [wind(r, i == 0) for i, r in enumerate(g["coordinates"])]
            g = {"type": "Polygon", "coordinates": rings}
        props = {k: p[k] for k in ("approximate", "confidence", "method", "sources") if k in p}
        props["derived_from"] = "syria_2016_09_places.geojson#" + p["id"]
        out.append(feature(p["id"], KEEP[p["id"]], g, props))

    # events_2016.md §8: Urum al-Kubra town 36.1486 N, 36.9500 E [M]; §5: the convoy went
    # cross-line from government-held Aleppo into the opposition-held western countryside.
    out.append(feature(
        "urum_al_kubra_opposition_area", "Urum al-Kubra and surroundings (opposition-held)",
        {"type": "Polygon", "coordinates": [circle(36.9500, 36.1486, 6000)]},
        {"approximate": True, "confidence": "very low",
         "method": "6 km circle around the Urum al-Kubra town coordinate; a modelling aid, not a front line",
         "sources": ["events_2016.md §5 and §8 (UN COI; Wikipedia mirror)"]}))
    # events_2016.md §4: ISIL besieged the Deir ez-Zor airbase enclave and overran Jabal al-Tharda.
    out.append(feature(
        "deir_ez_zor_isil_ring", "ISIL-held ground around the Deir ez-Zor enclave",
        {"type": "Polygon", "coordinates": [circle(40.17583, 35.28528, 15000),
                                            circle(40.17583, 35.28528, 3000, ccw=False)]},
        {"approximate": True, "confidence": "very low",
         "method": "15 km circle around the DAFIF airport reference point with the 3 km enclave as a hole",
         "sources": ["events_2016.md §4 (US investigation; Wikipedia summary)"]}))
    out.sort(key=lambda f: f["id"])
    doc = {"type": "FeatureCollection", "features": out}
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    (HERE / "zones.geojson").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
