"""Add the ``geotag`` columns to a corpus: :func:`geotag` and :class:`Geotagger`.

Each post gets a country from, in order of trust:

1. its exact coordinates (``latitude``/``longitude``), reverse-geocoded offline;
2. the platform's place tag (``place_country_code``);
3. the free-text location of the author's profile (``author_location``), geocoded
   once per distinct string (corpora repeat locations a lot: a cache makes that fast).

Columns added (``docs/contributing.md``): ``country`` (ISO alpha-2 or null),
``us_state`` (two letters or null), ``geo_confidence`` (float64, null when no country),
``geo_source`` (``coordinates``, ``place``, ``profile``, null when no country).
Columns of those names already present are replaced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crowdpulse.engine import Engine, LocalEngine, partitions
from crowdpulse.exceptions import ConfigError, InputError
from crowdpulse.geo.backends import Geocoder, GeocoderName, get_geocoder
from crowdpulse.geo.coords import DEFAULT_MAX_KM, geocode_points
from crowdpulse.geo.result import GeoResult
from crowdpulse.io.corpus import iter_row_groups, open_parquet, replaced_atomically
from crowdpulse.progress import progress

__all__ = ["GEOTAG_FIELDS", "Geotagger", "geotag", "geotag_file"]

GEOTAG_FIELDS: tuple[pa.Field, ...] = (
    pa.field("country", pa.string()),
    pa.field("us_state", pa.string()),
    pa.field("geo_confidence", pa.float64()),
    pa.field("geo_source", pa.string()),
)
_INPUTS = ("latitude", "longitude", "place_country_code", "author_location")
_PROGRESS_EVERY = 2_000
_PLACE_CONFIDENCE = 0.95  # the platform's place tag: the user chose that place


def _column(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    return table.column(name) if name in table.column_names else None


class Geotagger:
    """Geotag tables batch after batch, keeping the cache of locations between them.

    Args:
        geocoder: ``"offline"`` (default), ``"geopy"`` or another registered key, or a
            geocoder object (see :mod:`crowdpulse.geo.backends`).
        min_confidence: Answers below this confidence are dropped (0..1).
        max_km: Farthest distance from a post's coordinates to a known place.
        quiet: Show no progress bar.
        **geocoder_options: Passed to the geocoder's factory (e.g. ``cache_path``).

    Attributes:
        counts: Rows seen and rows tagged by source (``rows``, ``coordinates``,
            ``place``, ``profile``, ``none``), over all tables tagged so far.
        unique_locations: Distinct profile locations geocoded so far.

    Raises:
        ConfigError: ``min_confidence`` is outside 0..1 or the geocoder is unknown.
    """

    def __init__(
        self,
        *,
        geocoder: GeocoderName | str | Geocoder = "offline",
        min_confidence: float = 0.0,
        max_km: float = DEFAULT_MAX_KM,
        quiet: bool = True,
        **geocoder_options: Any,
    ) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ConfigError("min_confidence must be within 0..1", field="min_confidence")
        self.geocoder = get_geocoder(geocoder, **geocoder_options)
        self.min_confidence = float(min_confidence)
        self.max_km = float(max_km)
        self.quiet = quiet
        self.counts: Counter[str] = Counter()
        self._cache: dict[str, GeoResult] = {}

    @property
    def unique_locations(self) -> int:
        """Distinct profile locations geocoded so far."""
        return len(self._cache)

    def _profile(
        self, locations: pa.ChunkedArray, n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        country = np.full(n, None, dtype=object)
        state = np.full(n, None, dtype=object)
        confidence = np.zeros(n, dtype=np.float64)
        encoded = pc.dictionary_encode(locations.combine_chunks())
        dictionary = encoded.dictionary.to_pylist()
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        m = len(dictionary)
        u_country = np.full(m + 1, None, dtype=object)
        u_state = np.full(m + 1, None, dtype=object)
        u_conf = np.zeros(m + 1, dtype=np.float64)
        cache = self._cache
        geocode = self.geocoder.geocode
        todo = [j for j, text in enumerate(dictionary) if text not in cache]
        with progress(
            "geocoding locations", total=float(len(todo)), quiet=self.quiet or not todo
        ) as bar:
            for done, j in enumerate(todo, 1):
                cache[dictionary[j]] = geocode(dictionary[j])
                if done % _PROGRESS_EVERY == 0:
                    bar.advance(_PROGRESS_EVERY)
            bar.advance(len(todo) % _PROGRESS_EVERY)
        for j, text in enumerate(dictionary):
            found = cache[text]
            if found.country is not None:
                u_country[j], u_state[j], u_conf[j] = (
                    found.country,
                    found.us_state,
                    found.confidence,
                )
        take = np.where(indices < 0, m, indices)
        country[:] = u_country[take]
        state[:] = u_state[take]
        confidence[:] = u_conf[take]
        return country, state, confidence

    def tag(self, table: pa.Table) -> pa.Table:
        """Return ``table`` with the four geotag columns (appended or replaced).

        Args:
            table: Posts with at least one of ``latitude``/``longitude``,
                ``place_country_code``, ``author_location``.

        Returns:
            The table with ``country``, ``us_state``, ``geo_confidence``, ``geo_source``.

        Raises:
            InputError: The table has none of the input columns, or one has a wrong type.
        """
        present = [c for c in _INPUTS if c in table.column_names]
        if not present:
            raise InputError(
                "nothing to geotag: the table has none of " + ", ".join(_INPUTS),
                field="author_location",
            )
        for name, kind in (("latitude", pa.types.is_floating), ("longitude", pa.types.is_floating)):
            col = _column(table, name)
            if col is not None and not (kind(col.type) or pa.types.is_null(col.type)):
                raise InputError(f"expected a float column, got {col.type}", field=name)
        for name in ("place_country_code", "author_location"):
            col = _column(table, name)
            kind_ok = col is None or any(
                check(col.type)
                for check in (pa.types.is_string, pa.types.is_large_string, pa.types.is_null)
            )
            if col is not None and not kind_ok:
                raise InputError(f"expected a string column, got {col.type}", field=name)

        n = table.num_rows
        country = np.full(n, None, dtype=object)
        state = np.full(n, None, dtype=object)
        confidence = np.full(n, np.nan, dtype=np.float64)
        source = np.full(n, None, dtype=object)
        open_rows = np.ones(n, dtype=bool)
        floor = self.min_confidence

        lat_col, lon_col = _column(table, "latitude"), _column(table, "longitude")
        if lat_col is not None and lon_col is not None and n:
            lat = lat_col.cast(pa.float64()).to_numpy(zero_copy_only=False)
            lon = lon_col.cast(pa.float64()).to_numpy(zero_copy_only=False)
            has = np.isfinite(lat) & np.isfinite(lon)
            if has.any():
                rows = np.flatnonzero(has)
                res = geocode_points(lat[rows], lon[rows], max_km=self.max_km, quiet=self.quiet)
                got = np.asarray([c is not None for c in res.country]) & (res.confidence >= floor)
                take = rows[got]
                country[take] = np.asarray(res.country, dtype=object)[got]
                state[take] = np.asarray(res.us_state, dtype=object)[got]
                confidence[take] = res.confidence[got]
                source[take] = "coordinates"
                open_rows[take] = False

        place_col = _column(table, "place_country_code")
        if place_col is not None and n and open_rows.any() and not pa.types.is_null(place_col.type):
            from crowdpulse.geo.gazetteer import load_gazetteer

            codes = pc.utf8_upper(pc.utf8_trim_whitespace(place_col.cast(pa.string())))
            known = pa.array(sorted(set(load_gazetteer().countries) | {"XK"}), type=pa.string())
            valid = pc.fill_null(pc.is_in(codes, value_set=known), False).to_numpy(
                zero_copy_only=False
            )
            use = valid & open_rows & (floor <= 0.95)
            if use.any():
                values = np.asarray(codes.to_pylist(), dtype=object)
                country[use] = values[use]
                confidence[use] = _PLACE_CONFIDENCE
                source[use] = "place"
                open_rows[use] = False

        loc_col = _column(table, "author_location")
        if loc_col is not None and n and open_rows.any() and not pa.types.is_null(loc_col.type):
            p_country, p_state, p_conf = self._profile(loc_col.cast(pa.string()), n)
            use = open_rows & np.asarray([c is not None for c in p_country]) & (p_conf >= floor)
            country[use] = p_country[use]
            state[use] = p_state[use]
            confidence[use] = p_conf[use]
            source[use] = "profile"
            open_rows[use] = False

        self.counts["rows"] += n
        for name in ("coordinates", "place", "profile"):
            self.counts[name] += int(np.count_nonzero(source == name))
        self.counts["none"] += int(np.count_nonzero(open_rows))
        arrays = [
            pa.array(country, type=pa.string()),
            pa.array(state, type=pa.string()),
            pa.array(confidence, type=pa.float64(), mask=~np.isfinite(confidence)),
            pa.array(source, type=pa.string()),
        ]
        out = table.drop_columns([f.name for f in GEOTAG_FIELDS if f.name in table.column_names])
        for field, array in zip(GEOTAG_FIELDS, arrays, strict=True):
            out = out.append_column(field, array)
        return out


def geotag(
    table: pa.Table,
    *,
    geocoder: GeocoderName | str | Geocoder = "offline",
    min_confidence: float = 0.0,
    max_km: float = DEFAULT_MAX_KM,
    quiet: bool = True,
) -> pa.Table:
    """Add ``country``, ``us_state``, ``geo_confidence`` and ``geo_source`` to a corpus.

    Args:
        table: Posts of the corpus schema (any subset of ``latitude``, ``longitude``,
            ``place_country_code``, ``author_location`` will do).
        geocoder: ``"offline"`` (default), ``"geopy"`` (online, cached, 1 request/s;
            extra ``geopy``) or a geocoder object.
        min_confidence: Answers below this confidence are left out (0..1).
        max_km: Farthest distance from coordinates to a known place for an answer.
        quiet: Show no progress bar.

    Returns:
        The table with the four columns appended (replaced if present).

    Raises:
        InputError: None of the input columns is present, or one has a wrong type.
        ConfigError: ``min_confidence`` is outside 0..1 or the geocoder is unknown.
        MissingExtraError: ``geocoder="geopy"`` without geopy installed.

    Example:
        >>> import pyarrow as pa
        >>> t = geotag(pa.table({"author_location": ["Miami FL", "worldwide", None]}))
        >>> t.column("country").to_pylist()
        ['US', None, None]
    """
    return Geotagger(
        geocoder=geocoder, min_confidence=min_confidence, max_km=max_km, quiet=quiet
    ).tag(table)


@dataclass(frozen=True)
class _GeotagJob:
    """What a worker needs to geotag some row groups (picklable)."""

    path: str
    geocoder: Geocoder
    min_confidence: float
    max_km: float
    schema: pa.Schema
    batch_size: int


def _geotag_partition(
    job: _GeotagJob, row_groups: Sequence[int]
) -> tuple[list[pa.Table], Counter[str], set[str]]:
    """Geotag some row groups (one engine task): tables, counts, locations geocoded."""
    tagger = Geotagger(geocoder=job.geocoder, min_confidence=job.min_confidence, max_km=job.max_km)
    out = [
        tagger.tag(pa.Table.from_batches([batch])).select(job.schema.names).cast(job.schema)
        for batch in iter_row_groups(job.path, row_groups, batch_size=job.batch_size)
    ]
    return out, tagger.counts, set(tagger._cache)


def geotag_file(
    source: str | Path,
    destination: str | Path,
    *,
    geocoder: GeocoderName | str | Geocoder = "offline",
    min_confidence: float = 0.0,
    max_km: float = DEFAULT_MAX_KM,
    batch_size: int = 65_536,
    quiet: bool = True,
    engine: Engine | None = None,
    **geocoder_options: Any,
) -> dict[str, object]:
    """Geotag a corpus Parquet file, streaming it in batches.

    The output goes to a temporary file beside ``destination`` and is moved into place
    at the end, so ``destination`` may be ``source``. Distinct profile locations are
    geocoded once for the whole file.

    Args:
        source: The corpus Parquet file.
        destination: The Parquet file to write (every column of ``source`` plus the
            geotag columns).
        geocoder: ``"offline"``, ``"geopy"`` or a geocoder object.
        min_confidence: Answers below this confidence are left out.
        max_km: Farthest distance from coordinates to a known place for an answer.
        batch_size: Posts per batch (and per output row group).
        quiet: Show no progress bar.
        engine: Where to run (default: this process). With a Dask engine each row
            group is a task; the output, the counts and ``unique_locations`` are the
            same as with one process.
        **geocoder_options: Passed to the geocoder's factory (e.g. ``cache_path``).

    Returns:
        A summary: ``posts``, ``tagged``, ``by_source`` (counts for ``coordinates``,
        ``place``, ``profile``), ``untagged``, ``unique_locations``, ``geocoder``,
        ``output``.

    Raises:
        InputError: The file is missing, not Parquet, or has none of the input columns.
    """
    if batch_size < 1:
        raise ConfigError("batch_size must be at least 1", field="batch_size")
    source, destination = Path(source), Path(destination)
    reader = open_parquet(source)
    in_schema = reader.schema_arrow
    if not any(name in in_schema.names for name in _INPUTS):
        raise InputError("nothing to geotag: none of " + ", ".join(_INPUTS), path=str(source))
    names = {f.name for f in GEOTAG_FIELDS}
    schema = pa.schema([f for f in in_schema if f.name not in names] + list(GEOTAG_FIELDS))
    schema = schema.with_metadata(in_schema.metadata)
    tagger = Geotagger(
        geocoder=geocoder,
        min_confidence=min_confidence,
        max_km=max_km,
        quiet=True,
        **geocoder_options,
    )
    rows = reader.metadata.num_rows
    distributed = engine is not None and not isinstance(engine, LocalEngine)
    locations: set[str] = set()
    with (
        replaced_atomically(destination) as temp,
        pq.ParquetWriter(temp, schema) as writer,
        progress("geotag", total=rows, quiet=quiet) as bar,
    ):
        if distributed:
            assert engine is not None
            job = _GeotagJob(
                str(source), tagger.geocoder, min_confidence, max_km, schema, batch_size
            )
            for tables, counts, seen in engine.map(
                _geotag_partition, partitions(source, batch_size), job
            ):
                for tagged in tables:
                    writer.write_table(tagged)
                    bar.advance(tagged.num_rows)
                tagger.counts.update(counts)
                locations |= seen
        else:
            for batch in reader.iter_batches(batch_size=batch_size):
                tagged = tagger.tag(pa.Table.from_batches([batch]))
                writer.write_table(tagged.select(schema.names).cast(schema))
                bar.advance(batch.num_rows)
            locations = set(tagger._cache)
    counts = tagger.counts
    by_source = {name: int(counts[name]) for name in ("coordinates", "place", "profile")}
    return {
        "posts": rows,
        "tagged": sum(by_source.values()),
        "by_source": by_source,
        "untagged": int(counts["none"]),
        "unique_locations": len(locations),
        "geocoder": getattr(tagger.geocoder, "name", type(tagger.geocoder).__name__),
        "output": str(destination),
    }
