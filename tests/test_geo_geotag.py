from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.geo import GEOTAG_FIELDS, GeoResult, Geotagger, geotag
from crowdpulse.geo.geotag import geotag_file
from crowdpulse.schema import POST_SCHEMA


def posts(**columns: list[object]) -> pa.Table:
    n = len(next(iter(columns.values())))
    data = {}
    for field in POST_SCHEMA:
        data[field.name] = pa.array(columns.get(field.name, [None] * n), type=field.type)
    data["id"] = pa.array([str(i) for i in range(n)], type=pa.string())
    return pa.Table.from_pydict(data, schema=POST_SCHEMA)


class Counting:
    """A geocoder that counts its calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def geocode(self, text: str) -> GeoResult:
        self.calls.append(text)
        if text.startswith("low"):
            return GeoResult("DE", None, 0.2, "low")
        return GeoResult("FR", None, 0.7, "fake")


def test_columns_and_priority() -> None:
    table = posts(
        latitude=[25.7743, None, None, None, 48.85, 0.0],
        longitude=[-80.1937, None, None, None, 2.35, 0.0],
        place_country_code=["GB", "gb", None, None, "US", None],
        author_location=["Lagos", "Lagos", "Lagos", "worldwide", None, "Miami FL"],
    )
    out = geotag(table)
    assert out.schema.names[-4:] == [f.name for f in GEOTAG_FIELDS]
    assert out.select(table.column_names).equals(table)
    assert out.column("country").to_pylist() == ["US", "GB", "NG", None, "FR", "US"]
    assert out.column("us_state").to_pylist() == ["FL", None, None, None, None, "FL"]
    assert out.column("geo_source").to_pylist() == [
        "coordinates",
        "place",
        "profile",
        None,
        "coordinates",
        "profile",
    ]
    conf = out.column("geo_confidence").to_pylist()
    assert conf[3] is None and conf[1] == pytest.approx(0.95)
    assert all(0 < c <= 0.99 for c in conf if c is not None)


def test_unique_locations_are_geocoded_once() -> None:
    fake = Counting()
    tagger = Geotagger(geocoder=fake)
    locations = ["Paris", "Paris", None, "Lyon", "Paris", "Lyon"]
    out = tagger.tag(pa.table({"author_location": locations}))
    assert sorted(fake.calls) == ["Lyon", "Paris"]
    tagger.tag(pa.table({"author_location": ["Paris", "Nice"]}))  # the cache spans batches
    assert sorted(fake.calls) == ["Lyon", "Nice", "Paris"]
    assert tagger.unique_locations == 3
    assert out.column("country").to_pylist() == ["FR", "FR", None, "FR", "FR", "FR"]
    assert tagger.counts["rows"] == 8
    assert tagger.counts["profile"] == 7
    assert tagger.counts["none"] == 1


def test_min_confidence_drops_weak_answers() -> None:
    out = geotag(
        pa.table({"author_location": ["low one", "high"]}), geocoder=Counting(), min_confidence=0.5
    )
    assert out.column("country").to_pylist() == [None, "FR"]
    with pytest.raises(ConfigError):
        geotag(pa.table({"author_location": ["x"]}), min_confidence=1.5)


def test_existing_geotag_columns_are_replaced() -> None:
    once = geotag(pa.table({"author_location": ["Miami FL"]}))
    twice = geotag(once)
    assert twice.num_columns == once.num_columns
    assert twice.equals(once)


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="nothing to geotag"):
        geotag(pa.table({"text": ["hello"]}))
    with pytest.raises(InputError, match="string"):
        geotag(pa.table({"author_location": [1, 2]}))
    with pytest.raises(InputError, match="float"):
        geotag(pa.table({"latitude": ["a"], "longitude": ["b"]}))
    with pytest.raises(ConfigError, match="unknown geocoder"):
        geotag(pa.table({"author_location": ["x"]}), geocoder="nope")


def test_empty_and_all_null_tables() -> None:
    empty = geotag(posts(author_location=[]))
    assert empty.num_rows == 0 and "country" in empty.column_names
    nulls = geotag(pa.table({"author_location": pa.array([None, None], type=pa.string())}))
    assert nulls.column("country").null_count == 2


def test_geotag_file_streams_and_may_overwrite(tmp_path: Path) -> None:
    table = posts(author_location=["Miami FL", "Paris", "worldwide", None] * 5)
    source = tmp_path / "corpus.parquet"
    pq.write_table(table, source)
    summary = geotag_file(source, source, batch_size=3)
    assert summary["posts"] == 20
    assert summary["tagged"] == 10
    assert summary["by_source"] == {"coordinates": 0, "place": 0, "profile": 10}
    assert summary["untagged"] == 10
    assert summary["unique_locations"] == 3
    out = pq.read_table(source)
    assert out.schema.metadata == table.schema.metadata
    assert out.column("country").to_pylist()[:4] == ["US", "FR", None, None]
    assert not list(tmp_path.glob(".*.tmp"))


def test_geotag_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        geotag_file(tmp_path / "missing.parquet", tmp_path / "out.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(InputError, match="Parquet"):
        geotag_file(bad, tmp_path / "out.parquet")
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"text": ["x"]}), other)
    with pytest.raises(InputError, match="nothing to geotag"):
        geotag_file(other, tmp_path / "out.parquet")


def test_real_corpus(shared_data: Path, tmp_path: Path) -> None:
    from crowdpulse.io.corpus import read_corpus
    from crowdpulse.io.ingest import ingest

    corpus = tmp_path / "napa.parquet"
    ingest(
        [shared_data / "twitter_v1_sample" / "napa_earthquake_2014_sample.jsonl"],
        corpus,
        quiet=True,
    )
    out = geotag(read_corpus(corpus))
    countries = out.column("country").to_pylist()
    tagged = [c for c in countries if c]
    # The Napa earthquake was tweeted about mostly from the US.
    assert len(tagged) / len(countries) > 0.6
    assert tagged.count("US") / len(tagged) > 0.7
    sources = set(out.column("geo_source").to_pylist()) - {None}
    assert sources <= {"coordinates", "place", "profile"}
    conf = [c for c in out.column("geo_confidence").to_pylist() if c is not None]
    assert all(0 < c < 1 and not math.isnan(c) for c in conf)
