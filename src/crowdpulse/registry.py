"""One shape for every pluggable part: a :class:`Registry` maps a string key to an object.

Readers, lexicons, segment costs, classifier models and geocoders are each found by a
string key (``--format reddit``, ``Lexicon.load("open")``, ``Pelt(cost="poisson")``,
``make_model("svm-tfidf")``, ``geotag(geocoder="geopy")``). Each of them is a
:class:`Registry`:

* ``registry.get(key)`` returns the object, or raises
  :class:`~crowdpulse.exceptions.ConfigError` naming the field (``--format``,
  ``cost``, ...) and every known key;
* ``registry.register(key, obj, description=...)`` adds one (also as a decorator);
* ``keys()``, ``items()`` and ``describe()`` list them, with a one-line description
  each, for ``--help`` and ``--json`` listings;
* third-party packages add their own through an ``importlib.metadata`` entry-point
  group, read on first use and imported only when the key is asked for.

A registry is a :class:`collections.abc.MutableMapping` in registration order, so
``key in registry``, ``registry[key]``, ``list(registry)`` and ``del registry[key]``
work as on the dicts the registries used to be. Two differences from a dict:
``get(key)`` without a default raises instead of returning None, and ``get`` and
``[]`` also accept an alias (``in`` and ``keys()`` know only the keys).

The groups (see ``docs/contributing.md`` for a worked example)::

    [project.entry-points."crowdpulse.readers"]     # RecordReader subclasses
    [project.entry-points."crowdpulse.lexicons"]    # Lexicon, or a function returning one
    [project.entry-points."crowdpulse.costs"]       # BaseCost subclasses
    [project.entry-points."crowdpulse.models"]      # factory(**params) -> estimator
    [project.entry-points."crowdpulse.geocoders"]   # factory(**options) -> Geocoder

A plug-in whose key is already registered by crowdpulse is ignored, with a warning;
a plug-in that fails to import raises a :class:`ConfigError` naming the entry point
and its distribution when its key is asked for, and never before.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import asdict, dataclass
from importlib.metadata import EntryPoint
from typing import Any, Generic, TypeVar, cast, overload

from crowdpulse.exceptions import ConfigError

__all__ = ["GROUPS", "Entry", "Registry", "UnknownKeyError", "first_doc_line", "registries"]

log = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D")
O = TypeVar("O")  # noqa: E741  (the decorated object)

_MISSING: Any = object()


class UnknownKeyError(ConfigError, KeyError):
    """A key no registry entry has; a :class:`ConfigError` and a :class:`KeyError`.

    Being a ``KeyError`` keeps code written for the old dict registries
    (``except KeyError`` around ``registry[key]``) working; being a
    ``ConfigError`` gives the CLI's one-line message.
    """

    def __str__(self) -> str:
        """Return the message as written (``KeyError`` would quote it)."""
        return Exception.__str__(self)


@dataclass(frozen=True)
class Entry:
    """One registry entry as listings show it.

    Attributes:
        key: The string key.
        description: One line for ``--help`` and ``--json`` listings.
        plugin: ``module:attr`` of the entry point for a third-party plug-in, else None.
        distribution: The distribution that declared the plug-in, if known.
    """

    key: str
    description: str
    plugin: str | None = None
    distribution: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as a JSON-ready dict."""
        return asdict(self)


def first_doc_line(obj: object) -> str:
    """Return a one-line description of an object.

    Its ``description`` attribute when that is a non-empty string, else the first
    line of its docstring (of the wrapped function for a ``functools.partial``), with
    reStructuredText roles and literals reduced to plain text.

    Args:
        obj: A class, function or instance.

    Returns:
        The line, or ``""``.
    """
    text = getattr(obj, "description", None)
    if not (isinstance(text, str) and text.strip()):
        text = inspect.getdoc(obj.func if isinstance(obj, functools.partial) else obj)
    if not text or not text.strip():
        return ""
    line = text.strip().splitlines()[0].strip()
    return _LITERAL.sub(r"\1", _ROLE.sub(lambda m: m.group(1).lstrip("~").split(".")[-1], line))


_ROLE = re.compile(r":[a-z]+:`([^`]+)`")  # :func:`crowdpulse.geo.geocode` -> geocode
_LITERAL = re.compile(r"``([^`]+)``")  # ``"l2"`` -> "l2"


@dataclass
class _Slot:
    value: Any
    description: str
    point: EntryPoint | None = None  # set until a plug-in is imported
    target: str | None = None  # a plug-in's ``module:attr``
    distribution: str | None = None


class Registry(MutableMapping[str, T], Generic[T]):
    """String key -> object, with descriptions, aliases and entry-point plug-ins.

    Args:
        kind: What an entry is, for messages (``"cost"``, ``"reader"``).
        entries: Built-in entries, in order (descriptions from :func:`first_doc_line`).
        field: The option or field that takes the key, named in errors (default:
            ``kind``).
        group: The ``importlib.metadata`` entry-point group of third-party
            plug-ins, or None.
        aliases: Other names for keys (e.g. ruptures' ``"l2"`` for
            ``"normal-mean"``); kept by reference, so the caller's dict may change.
        adapt: Turns an object loaded from an entry point into an entry value
            (and may check it, raising ``TypeError`` or ``ValueError``); default:
            the object as is.

    Examples:
        >>> shapes = Registry("shape", group=None)
        >>> @shapes.register("square", description="four equal sides")
        ... def square(side: float) -> float:
        ...     return side * side
        >>> shapes.get("square")(3.0)
        9.0
        >>> shapes.get("circle")
        Traceback (most recent call last):
        ...
        crowdpulse.registry.UnknownKeyError: field 'shape': unknown shape 'circle'; known: square
    """

    def __init__(
        self,
        kind: str,
        entries: Mapping[str, T] | None = None,
        *,
        field: str | None = None,
        group: str | None = None,
        aliases: dict[str, str] | None = None,
        adapt: Callable[[str, Any], T] | None = None,
    ) -> None:
        self.kind = kind
        self.field = field or kind
        self.group = group
        self.aliases: dict[str, str] = aliases if aliases is not None else {}
        self._adapt = adapt
        self._slots: dict[str, _Slot] = {}
        self._scanned = group is None
        self._lock = threading.RLock()
        for key, value in (entries or {}).items():
            self.register(key, value)

    # -- registering --------------------------------------------------------------------
    @overload
    def register(
        self, key: str, obj: None = None, *, description: str | None = ..., replace: bool = ...
    ) -> Callable[[O], O]: ...

    @overload
    def register(
        self, key: str, obj: T, *, description: str | None = ..., replace: bool = ...
    ) -> T: ...

    def register(
        self,
        key: str,
        obj: Any = None,
        *,
        description: str | None = None,
        replace: bool = False,
    ) -> Any:
        """Add an entry; with no object, return a decorator that adds the decorated one.

        Args:
            key: The key (non-empty, no surrounding spaces).
            obj: The object; None to use the method as a decorator.
            description: One line for listings (default: :func:`first_doc_line`).
            replace: Allow replacing an entry with this key.

        Returns:
            The object (or a decorator returning it unchanged).

        Raises:
            ConfigError: The key is empty or taken and ``replace`` is False.

        Examples:
            >>> things = Registry("thing")
            >>> things.register("one", 1, description="the first")
            1
            >>> things.describe()[0].description
            'the first'
        """
        if obj is None:

            def decorator(value: O) -> O:
                self.register(key, cast(T, value), description=description, replace=replace)
                return value

            return decorator
        if not isinstance(key, str) or not key.strip() or key != key.strip():
            raise ConfigError(
                f"a {self.kind} needs a non-empty key without surrounding spaces, got {key!r}",
                field=self.field,
            )
        with self._lock:
            if not replace and key in self._slots:
                raise ConfigError(f"{self.kind} {key!r} is already registered", field=self.field)
            text = first_doc_line(obj) if description is None else description
            self._slots[key] = _Slot(obj, text)
        return obj

    def set_description(self, key: str, description: str) -> None:
        """Replace the one-line description of a registered key.

        Raises:
            UnknownKeyError: The key is not registered.
        """
        self._slot(key).description = description

    # -- looking up ---------------------------------------------------------------------
    def resolve(self, key: str) -> str:
        """Return the key an alias stands for (other names are returned unchanged)."""
        self._scan()
        if key in self._slots:
            return key
        return self.aliases.get(key, key)

    def get(self, key: str, default: Any = _MISSING) -> Any:
        """Return the object of a key (or alias), importing a plug-in on first use.

        Args:
            key: A key of :meth:`keys` or of :attr:`aliases`.
            default: Returned for an unknown key; without it, an unknown key raises.

        Returns:
            The object.

        Raises:
            UnknownKeyError: The key is unknown (the message lists the known keys).
            ConfigError: The key is a plug-in that cannot be imported.
        """
        try:
            return self[key]
        except UnknownKeyError:
            if default is _MISSING:
                raise
            return default

    def __getitem__(self, key: str) -> T:
        """Return the object of a key or alias (see :meth:`get`)."""
        slot = self._slot(key)
        if slot.point is not None:
            self._load(self.resolve(key), slot)
        return slot.value

    def __contains__(self, key: object) -> bool:
        """Tell whether a key is registered, without importing plug-ins.

        Aliases are not keys (as in a dict of the keys): ``"l2" in COSTS`` is False
        although ``COSTS["l2"]`` works; ``resolve`` first to ask about an alias.
        """
        if not isinstance(key, str):
            return False
        self._scan()
        return key in self._slots

    def __setitem__(self, key: str, value: T) -> None:
        """Add or replace an entry (as ``register(key, value, replace=True)``)."""
        self.register(key, value, replace=True)

    def __delitem__(self, key: str) -> None:
        """Remove an entry."""
        with self._lock:
            self._slot(key)
            del self._slots[self.resolve(key)]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the keys in registration order (plug-ins last)."""
        self._scan()
        return iter(list(self._slots))

    def __len__(self) -> int:
        """Return the number of keys (aliases not counted)."""
        self._scan()
        return len(self._slots)

    def __repr__(self) -> str:
        """Return ``Registry('cost', [keys])``."""
        return f"Registry({self.kind!r}, {list(self)!r})"

    def known(self) -> str:
        """Return the keys and aliases, comma-separated, as error messages list them."""
        names = list(self) + [a for a in self.aliases if a not in self._slots]
        return ", ".join(names) if names else "(none)"

    def unknown(self, key: object) -> UnknownKeyError:
        """Return the error for an unknown key (to raise it with extra context)."""
        return UnknownKeyError(
            f"unknown {self.kind} {key!r}; known: {self.known()}", field=self.field
        )

    # -- listing ------------------------------------------------------------------------
    def describe(self) -> tuple[Entry, ...]:
        """Return every entry with its description, without importing plug-ins."""
        self._scan()
        return tuple(
            Entry(key, slot.description, slot.target, slot.distribution)
            for key, slot in list(self._slots.items())
        )

    def description(self, key: str) -> str:
        """Return the one-line description of a key or alias."""
        return self._slot(key).description

    def is_plugin(self, key: str) -> bool:
        """Tell whether a key came from an entry point (imported or not)."""
        return self._slot(key).target is not None

    def help_text(self) -> str:
        """Return the keys and descriptions as aligned lines, for ``--help`` texts."""
        rows = self.describe()
        width = max((len(e.key) for e in rows), default=0)
        return "\n".join(f"{e.key.ljust(width)}  {e.description}".rstrip() for e in rows)

    def refresh(self) -> None:
        """Forget the plug-ins found so far; the entry points are read again on next use."""
        with self._lock:
            for key in [k for k, s in self._slots.items() if s.target is not None]:
                del self._slots[key]
            self._scanned = self.group is None

    # -- internals ----------------------------------------------------------------------
    def _slot(self, key: str) -> _Slot:
        if not isinstance(key, str):
            raise self.unknown(key)
        slot = self._slots.get(self.resolve(key))
        if slot is None:
            raise self.unknown(key)
        return slot

    def _scan(self) -> None:
        if self._scanned:
            return
        with self._lock:
            if self._scanned:
                return
            self._scanned = True
            if self.group is None:
                return
            from importlib import metadata

            try:
                points = metadata.entry_points(group=self.group)
            except Exception as exc:  # broken metadata must not stop crowdpulse
                log.warning("cannot read the entry points of %s: %s", self.group, exc)
                return
            for point in points:
                dist = getattr(getattr(point, "dist", None), "name", None) or "unknown"
                if point.name in self._slots:
                    log.warning(
                        "%s plug-in %r (%s, from %s) clashes with a registered %s: ignored",
                        self.kind,
                        point.name,
                        point.value,
                        dist,
                        self.kind,
                    )
                    continue
                self._slots[point.name] = _Slot(
                    None, f"plug-in {point.value} (from {dist})", point, point.value, dist
                )

    def _load(self, key: str, slot: _Slot) -> None:
        with self._lock:
            point = slot.point
            if point is None:
                return
            try:
                obj = point.load()
                value = self._adapt(key, obj) if self._adapt is not None else obj
            except Exception as exc:
                raise ConfigError(
                    f"{self.kind} plug-in {key!r} ({point.value}, from {slot.distribution}, "
                    f"entry-point group {self.group}) failed to load: "
                    f"{type(exc).__name__}: {exc}",
                    field=self.field,
                ) from exc
            slot.value = value
            slot.point = None
            text = first_doc_line(value)
            if text:
                slot.description = text


GROUPS: tuple[str, ...] = (
    "crowdpulse.readers",
    "crowdpulse.lexicons",
    "crowdpulse.costs",
    "crowdpulse.models",
    "crowdpulse.geocoders",
)
"""The entry-point groups of crowdpulse's registries, one a pluggable part."""


def registries() -> dict[str, Registry[Any]]:
    """Return every registry of crowdpulse by entry-point group (imports their modules).

    Returns:
        :data:`GROUPS` -> the registry: input formats, lexicons, segment costs,
        classifier models, geocoders.
    """
    from crowdpulse.classify.registry import MODELS
    from crowdpulse.detect.costs import COSTS
    from crowdpulse.geo.backends import _REGISTRY as GEOCODERS
    from crowdpulse.io.registry import READERS
    from crowdpulse.text.lexicon import LEXICONS

    found: tuple[Registry[Any], ...] = (READERS, LEXICONS, COSTS, MODELS, GEOCODERS)
    return dict(zip(GROUPS, found, strict=True))
