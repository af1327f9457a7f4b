"""The common registry: keys, descriptions, errors, aliases and entry-point plug-ins."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint, EntryPoints
from pathlib import Path
from typing import Any

import pytest

from crowdpulse.exceptions import ConfigError
from crowdpulse.registry import (
    GROUPS,
    Entry,
    Registry,
    UnknownKeyError,
    first_doc_line,
    registries,
)
from crowdpulse.text.lexicon import LEXICONS, Lexicon, available_lexicons


def _double(x: int) -> int:
    """Twice the number."""
    return 2 * x


def test_register_get_and_decorator() -> None:
    reg: Registry[object] = Registry("widget", field="widget-option")
    assert reg.register("double", _double) is _double

    @reg.register("triple", description="three times")
    def triple(x: int) -> int:
        return 3 * x

    assert triple(2) == 6  # the decorator returns the function unchanged
    assert list(reg) == ["double", "triple"]  # registration order
    assert reg.get("triple") is triple and reg["double"] is _double
    assert [(e.key, e.description) for e in reg.describe()] == [
        ("double", "Twice the number."),
        ("triple", "three times"),
    ]
    assert reg.help_text() == "double  Twice the number.\ntriple  three times"
    assert reg.describe()[0].as_dict() == {
        "key": "double",
        "description": "Twice the number.",
        "plugin": None,
        "distribution": None,
    }
    with pytest.raises(ConfigError, match="'double' is already registered") as taken:
        reg.register("double", triple)
    assert taken.value.field == "widget-option"
    reg.register("double", triple, replace=True)
    assert reg.get("double") is triple
    for bad in ("", "  ", " padded"):
        with pytest.raises(ConfigError, match="non-empty key"):
            reg.register(bad, _double)


def test_unknown_key_names_field_and_known_keys() -> None:
    reg: Registry[int] = Registry("colour", {"red": 1, "green": 2}, aliases={"rouge": "red"})
    with pytest.raises(UnknownKeyError) as err:
        reg.get("blue")
    assert str(err.value) == "field 'colour': unknown colour 'blue'; known: red, green, rouge"
    assert isinstance(err.value, ConfigError) and isinstance(err.value, KeyError)
    assert reg.get("blue", 0) == 0
    assert "blue" not in reg and "red" in reg and 3 not in reg
    assert "rouge" not in reg  # an alias is not a key, as in a dict (ruptures' "l2" in COSTS)
    assert reg.get("rouge") == 1 and reg.resolve("rouge") == "red" and len(reg) == 2
    assert dict(reg) == {"red": 1, "green": 2}
    del reg["green"]
    assert list(reg) == ["red"]
    reg["blue"] = 3  # a dict's assignment replaces
    reg["blue"] = 4
    assert dict(reg.items()) == {"red": 1, "blue": 4}


def test_first_doc_line() -> None:
    import functools

    class Described:
        description = "from the attribute"

    assert first_doc_line(Described) == "from the attribute"
    assert first_doc_line(functools.partial(_double, 2)) == "Twice the number."
    assert first_doc_line(lambda: None) == ""


# -- entry points ------------------------------------------------------------------------------


def _points(monkeypatch: pytest.MonkeyPatch, points: list[EntryPoint]) -> None:
    """Make ``importlib.metadata.entry_points`` see only these entry points."""

    def fake(**select: Any) -> EntryPoints:
        found = EntryPoints(points)
        return found.select(**select) if select else found

    monkeypatch.setattr("importlib.metadata.entry_points", fake)


PLUGIN_MODULE = "crowdpulse_test_plugin"


@pytest.fixture()
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A module of a third-party package, importable but not yet imported."""
    (tmp_path / f"{PLUGIN_MODULE}.py").write_text(
        "from crowdpulse.text.lexicon import Lexicon\n"
        "\n"
        "class Widget:\n"
        '    """A widget from a plug-in."""\n'
        "\n"
        "TINY = Lexicon.from_categories({'we': ['we', 'us'], 'they': ['they']}, name='tiny')\n"
        "\n"
        "from crowdpulse.detect.costs import CostNormalMean\n"
        "from crowdpulse.geo.result import GeoResult\n"
        "\n"
        "class CostMeanPlugin(CostNormalMean):\n"
        '    """The Gaussian mean cost, from a plug-in."""\n'
        "    name = 'test-mean-plugin'\n"
        "\n"
        "def make_model(**params):\n"
        '    """Logistic regression, from a plug-in."""\n'
        "    from sklearn.linear_model import LogisticRegression\n"
        "    return LogisticRegression(**params)\n"
        "\n"
        "class Everywhere:\n"
        '    """Every place is in Iceland."""\n'
        "    def geocode(self, text):\n"
        "        return GeoResult('IS', None, 0.5, 'always Iceland')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop(PLUGIN_MODULE, None)


def test_plugins_are_listed_without_import_and_loaded_on_get(
    plugin_module: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    group = "crowdpulse.test-widgets"
    _points(
        monkeypatch,
        [
            EntryPoint("widget", f"{PLUGIN_MODULE}:Widget", group),
            EntryPoint("builtin", f"{PLUGIN_MODULE}:Widget", group),  # clashes: ignored
            EntryPoint("missing", "crowdpulse_no_such_module:Thing", group),
        ],
    )
    reg: Registry[object] = Registry("widget", {"builtin": _double}, group=group)
    with caplog.at_level(logging.WARNING, logger="crowdpulse.registry"):
        assert list(reg) == ["builtin", "widget", "missing"]
    assert "clashes" in caplog.text and "'builtin'" in caplog.text
    assert PLUGIN_MODULE not in sys.modules  # listing imports nothing
    assert reg.is_plugin("widget") and not reg.is_plugin("builtin")
    assert reg.describe()[1] == Entry(
        "widget",
        f"plug-in {PLUGIN_MODULE}:Widget (from unknown)",
        f"{PLUGIN_MODULE}:Widget",
        "unknown",
    )
    assert reg.get("builtin") is _double
    widget = reg.get("widget")
    assert widget.__name__ == "Widget" and PLUGIN_MODULE in sys.modules
    assert reg.description("widget") == "A widget from a plug-in."  # known once imported
    with pytest.raises(ConfigError, match=r"widget plug-in 'missing'.*failed to load") as err:
        reg.get("missing")
    assert "crowdpulse_no_such_module" in str(err.value) and group in str(err.value)
    reg.refresh()
    _points(monkeypatch, [])
    assert list(reg) == ["builtin"]


def test_adapt_checks_plugins(plugin_module: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    group = "crowdpulse.test-adapt"
    _points(monkeypatch, [EntryPoint("w", f"{PLUGIN_MODULE}:Widget", group)])

    def only_functions(key: str, obj: object) -> object:
        if isinstance(obj, type):
            raise TypeError(f"{key}: a class is not a function")
        return obj

    reg: Registry[object] = Registry("thing", group=group, adapt=only_functions)
    with pytest.raises(ConfigError, match="TypeError: w: a class is not a function"):
        reg.get("w")


def _fake_distribution(root: Path, entry_points: str) -> None:
    info = root / "crowdpulse_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: crowdpulse-test-plugin\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(entry_points)


def test_lexicon_plugin_from_a_fake_distribution(plugin_module: Path) -> None:
    """A real (installed-on-sys.path) distribution declaring ``crowdpulse.lexicons``."""
    _fake_distribution(
        plugin_module,
        f"[crowdpulse.lexicons]\ntiny = {PLUGIN_MODULE}:TINY\nbroken = no_such_module_xyz:LEX\n",
    )
    LEXICONS.refresh()
    try:
        assert {"open", "empath", "tiny", "broken"} <= set(available_lexicons())
        entry = {e.key: e for e in LEXICONS.describe()}["tiny"]
        assert (entry.plugin, entry.distribution) == (
            f"{PLUGIN_MODULE}:TINY",
            "crowdpulse-test-plugin",
        )
        lexicon = Lexicon.load("tiny")
        assert lexicon.categories == ("we", "they")
        assert lexicon.score("they and we")["we"] == pytest.approx(100 / 3)
        with pytest.raises(ConfigError, match=r"lexicon plug-in 'broken'.*crowdpulse-test-plugin"):
            Lexicon.load("broken")
    finally:
        from crowdpulse.text import lexicon as module

        module._LOADED.pop("tiny", None)
        LEXICONS.refresh()  # read again (without the fake distribution) on next use


# -- the five registries ---------------------------------------------------------------------


BUILTIN_KEYS = {
    "crowdpulse.readers": [
        "bluesky-jetstream",
        "bluesky-appview",
        "mastodon",
        "reddit",
        "telegram",
        "v1",
        "v2",
        "twarc2-flat",
        "csv",
    ],
    "crowdpulse.lexicons": ["open", "empath"],
    "crowdpulse.costs": ["normal-mean", "normal-meanvar", "poisson"],
    "crowdpulse.models": ["svm-bigram", "svm-tfidf", "svm-tfidf-bigram", "logreg", "lstm"],
    "crowdpulse.geocoders": ["offline", "geopy"],
}


def test_every_pluggable_part_is_one_registry_shape() -> None:
    assert (
        tuple(registries())
        == GROUPS
        == (
            "crowdpulse.readers",
            "crowdpulse.lexicons",
            "crowdpulse.costs",
            "crowdpulse.models",
            "crowdpulse.geocoders",
        )
    )
    for group, registry in registries().items():
        assert isinstance(registry, Registry) and registry.group == group
        builtin = [e for e in registry.describe() if e.key in BUILTIN_KEYS[group]]
        assert [e.key for e in builtin] == BUILTIN_KEYS[group]  # (other tests add keys)
        assert all(e.description and e.plugin is None for e in builtin), group
    costs = registries()["crowdpulse.costs"]
    assert costs.get("l2") is costs["normal-mean"] and "l2" not in costs
    with pytest.raises(ConfigError, match=r"unknown cost 'l3'; known: normal-mean, .*, l2, normal"):
        costs.get("l3")


def test_cost_model_and_geocoder_plugins_by_entry_point(
    plugin_module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from crowdpulse.classify import make_model
    from crowdpulse.detect import Pelt
    from crowdpulse.geo import get_geocoder

    points = [
        EntryPoint("test-mean-plugin", f"{PLUGIN_MODULE}:CostMeanPlugin", "crowdpulse.costs"),
        EntryPoint("test-model", f"{PLUGIN_MODULE}:make_model", "crowdpulse.models"),
        EntryPoint("test-geocoder", f"{PLUGIN_MODULE}:Everywhere", "crowdpulse.geocoders"),
    ]
    _points(monkeypatch, points)
    found = registries()
    for registry in found.values():
        registry.refresh()
    try:
        rng = np.random.default_rng(3)
        signal = np.r_[rng.normal(0, 1, 50), rng.normal(4, 1, 50)]
        ours = Pelt(cost="normal-mean").fit(signal).predict(10.0)
        assert Pelt(cost="test-mean-plugin").fit(signal).predict(10.0) == ours == [50, 100]
        assert make_model("test-model", C=0.5).get_params()["C"] == 0.5
        assert get_geocoder("test-geocoder").geocode("anywhere").country == "IS"
        assert found["crowdpulse.models"].is_plugin("test-model")
    finally:
        for registry in found.values():
            registry.refresh()
