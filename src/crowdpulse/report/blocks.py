"""The page's building blocks and their templates.

A section of the page is a :class:`Section`: a title, a lead paragraph and a list of
blocks (:class:`Table`, :class:`Figure`, :class:`Notice`, :class:`Heading`,
:class:`Paragraph`, :class:`Grid`, :class:`Embed`). Each block is a frozen dataclass
that one macro of ``templates/blocks.html.j2`` renders. The templates autoescape:
every text is escaped unless it is :class:`markupsafe.Markup`, which the section
modules build only with :func:`markupsafe.Markup.format` (its arguments escaped).
"""

from __future__ import annotations

import base64
import functools
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import jinja2
from markupsafe import Markup

if TYPE_CHECKING:
    from crowdpulse.report.cache import StageRecord

__all__ = [
    "Block",
    "Embed",
    "Figure",
    "FileList",
    "Grid",
    "Heading",
    "Notice",
    "Paragraph",
    "Section",
    "Table",
    "environment",
    "figure",
    "fmt_hours",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "link",
    "links",
    "png_size",
    "unavailable",
]

Cell = str | Markup | int | float | None


@dataclass(frozen=True)
class Block:
    """Base of the blocks; ``kind`` names its macro."""

    kind: ClassVar[str] = ""


@dataclass(frozen=True)
class Table(Block):
    """A table: sortable by any column, filterable when long, with a caption.

    Attributes:
        caption: What the table shows (read by screen readers first).
        headers: Column headers.
        rows: The cells (text is escaped; :class:`Markup` is trusted).
        numeric: Columns aligned right and sorted as numbers.
        emoji: Columns drawn as emoji glyphs.
        row_class: A class for every row (``paper`` for the papers' numbers).
        sortable: Header buttons sort the rows.
        drill: Per row, a key of the drill-down posts (``data-drill``), or None.
    """

    kind: ClassVar[str] = "table"
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: frozenset[int] = frozenset()
    emoji: frozenset[int] = frozenset()
    row_class: str = ""
    sortable: bool = True
    drill: tuple[str | None, ...] = ()

    @property
    def filterable(self) -> bool:
        """Long tables get a filter box."""
        return len(self.rows) > 8

    def sort_value(self, row: int, col: int) -> str:
        """The value a numeric column sorts by (``data-sort``), digits of the cell."""
        cell = self.rows[row][col]
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            return repr(float(cell))
        text = str(cell or "").replace(",", "").replace("%", "").replace("h", "")
        text = text.split("±")[0].strip().split(" ")[0]
        try:
            return repr(float(text))
        except ValueError:
            return ""


@dataclass(frozen=True)
class Figure(Block):
    """A static figure embedded as PNG, with links to its files.

    Attributes:
        data: The PNG, base64.
        width: Pixel width (or 0 when unknown).
        height: Pixel height.
        alt: Descriptive alternative text: what it shows and its main number.
        caption: The caption (trusted markup).
        files: ``(label, href)`` of the figure's files (PNG, SVG, PDF).
    """

    kind: ClassVar[str] = "figure"
    data: str
    width: int
    height: int
    alt: str
    caption: Markup
    files: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Notice(Block):
    """A boxed note (``kind``: ``""``, ``info`` or ``bad``)."""

    kind: ClassVar[str] = "notice"
    text: Markup
    style: str = ""


@dataclass(frozen=True)
class Heading(Block):
    """A sub-heading (h3)."""

    kind: ClassVar[str] = "heading"
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph(Block):
    """A paragraph (trusted markup)."""

    kind: ClassVar[str] = "paragraph"
    html: Markup
    small: bool = False


@dataclass(frozen=True)
class Grid(Block):
    """Two or more columns of blocks side by side."""

    kind: ClassVar[str] = "grid"
    columns: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True)
class FileList(Block):
    """A list of links to files: ``(label, href)``."""

    kind: ClassVar[str] = "files"
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Embed(Block):
    """An interactive element (chart, explorer) rendered by its own template.

    Attributes:
        template: The template file under ``templates/``.
        values: What the template reads.
    """

    kind: ClassVar[str] = "embed"
    template: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """A section of the page."""

    id: str
    title: str
    lead: Markup
    blocks: tuple[Block, ...]
    nav: str = ""


# ------------------------------------------------------------------ formatting helpers


def fmt_int(value: Any) -> str:
    """An integer with thousands separators, ``–`` for None."""
    if value is None:
        return "–"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


def fmt_pct(value: float | None, digits: int = 2) -> str:
    """A fraction as a percentage, ``–`` for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def fmt_num(value: float | int | None, digits: int = 3) -> str:
    """A number with ``digits`` decimals (integers as integers), ``–`` for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):.{digits}f}"


def fmt_hours(value: float | None) -> str:
    """Signed hours (``+0.50 h``), ``–`` for None."""
    return "–" if value is None else f"{float(value):+.2f} h"


def png_size(path: str | Path) -> tuple[int, int] | None:
    """Return a PNG's pixel size from its header, or None when it is not a PNG."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def link(rel: str, label: str | None = None) -> Markup:
    """A link to a file beside the page."""
    return Markup('<a href="{}">{}</a>').format(rel, label or Path(rel).name)


def links(record: StageRecord, names: Iterable[str]) -> Paragraph:
    """A "Files:" paragraph with the stage's files among ``names`` that exist."""
    items = [link(f"stages/{record.name}/{n}") for n in names if record.has(n)]
    return Paragraph(Markup("Files: ") + Markup(" · ").join(items))


def figure(record: StageRecord, name: str, alt: str, caption: str | Markup) -> Block:
    """A stage's PNG embedded with links to its files, or a notice if it is absent."""
    if not record.has(name):
        return Notice(Markup("Figure not drawn: {}.").format(alt))
    path = record.file(name)
    size = png_size(path) or (0, 0)
    stem = Path(name).stem
    files = tuple(
        (Path(other).suffix[1:].upper(), f"stages/{record.name}/{other}")
        for other in record.outputs
        if Path(other).stem == stem and Path(other).suffix in (".png", ".svg", ".pdf")
    )
    return Figure(
        data=base64.b64encode(path.read_bytes()).decode("ascii"),
        width=size[0],
        height=size[1],
        alt=alt,
        caption=Markup("{}").format(caption),
        files=files,
    )


def unavailable(record: StageRecord | None, what: str) -> Notice | None:
    """A notice when a stage has no outputs, else None."""
    if record is None:
        return Notice(Markup("{}: not part of this report.").format(what))
    if record.ok:
        return None
    verb = "failed" if record.status == "failed" else "skipped"
    return Notice(
        Markup("<b>{} {}</b>: {}.").format(what, verb, record.reason or ""),
        "bad" if record.status == "failed" else "",
    )


def table(
    caption: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    numeric: Iterable[int] = (),
    emoji: Iterable[int] = (),
    row_class: str = "",
    drill: Sequence[str | None] = (),
) -> Table:
    """Build a :class:`Table` from lists."""
    return Table(
        caption=caption,
        headers=tuple(headers),
        rows=tuple(tuple(r) for r in rows),
        numeric=frozenset(numeric),
        emoji=frozenset(emoji),
        row_class=row_class,
        drill=tuple(drill),
    )


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates' environment: autoescape on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("crowdpulse.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env
