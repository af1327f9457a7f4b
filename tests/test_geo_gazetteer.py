from __future__ import annotations

import gzip
import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest

import crowdpulse.geo as geo
from crowdpulse.exceptions import ConfigError
from crowdpulse.geo.gazetteer import Entry, Gazetteer, load_gazetteer

ROOT = Path(__file__).resolve().parents[1]


def test_public_api() -> None:
    for name in geo.__all__:
        assert hasattr(geo, name), name


def test_data_file_is_small_and_credited() -> None:
    path = resources.files("crowdpulse.geo").joinpath("data/gazetteer.json.gz")
    size = len(path.read_bytes())
    assert 500_000 < size < 5_000_000
    gaz = load_gazetteer()
    assert "CC BY 4.0" in gaz.sources["cities"]
    assert "LGPL" in gaz.sources["countries_and_subdivisions"]
    assert len(gaz.cities) > 30_000
    assert len(gaz.us_states) == 51  # 50 states and DC
    assert gaz.is_country("PR") and gaz.is_country("XK") and not gaz.is_country("ZZ")


def test_lookups() -> None:
    gaz = load_gazetteer()

    def entry(key: str) -> Entry:
        found = gaz.entry(key)
        assert found is not None, key
        return found

    paris = entry("paris")
    assert gaz.cities[paris.cities[0]].country == "FR"
    pops = [gaz.cities[i].population for i in paris.cities]
    assert pops == sorted(pops, reverse=True)
    assert entry("florida").states == ("FL",)
    assert entry("fl").state_codes == ("FL",)
    assert "IT" in entry("italia").countries
    assert entry("lombardia").regions == ("IT",)
    assert entry("roma").alt_cities  # Rome's Italian name
    assert entry("reading").weak
    assert entry("worldwide").non_place == "world"
    assert gaz.entry("qwzxv") is None
    assert gaz.is_multi_key("new york") and not gaz.is_multi_key("new")


def test_version_guard() -> None:
    raw = resources.files("crowdpulse.geo").joinpath("data/gazetteer.json.gz").read_bytes()
    document = json.loads(gzip.decompress(raw))
    document["fold_version"] = -1
    with pytest.raises(ConfigError, match="rebuild"):
        Gazetteer(document)


def test_build_script_name_variants() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", ROOT / "scripts" / "build_gazetteer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.name_variants("Korea, Republic of") >= {
        "Korea, Republic of",
        "Korea",
        "Republic of Korea",
    }
    assert module.name_variants("Caerphilly [Caerffili GB-CAF]") == {"Caerphilly", "Caerffili"}
    assert "St Kitts and Nevis" in module.name_variants("Saint Kitts and Nevis")
    assert module.name_variants("Saint Martin (French part)") >= {"Saint Martin", "St Martin"}
