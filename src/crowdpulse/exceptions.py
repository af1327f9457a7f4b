"""The one exception hierarchy of crowdpulse.

Every error the library raises on purpose is a :class:`CrowdpulseError`. Each
subclass also derives from the built-in exception a caller would naturally catch,
so ``except ValueError`` keeps working around crowdpulse calls::

    CrowdpulseError (Exception)
    ├── InputError (ValueError)        unreadable or malformed input files
    ├── ConfigError (ValueError)       invalid event description or option
    ├── NotFittedError (sklearn's NotFittedError)  estimator used before ``fit``
    └── MissingExtraError (ImportError)  an optional dependency is not installed

The CLI turns any :class:`CrowdpulseError` into a one-line message on stderr and
exit code 1 (2 is click's usage error), never a traceback; a malformed record is not
an exception at all: the reader quarantines it with its file, line, field and reason.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "ConfigError",
    "CrowdpulseError",
    "InputError",
    "MissingExtraError",
    "NotFittedError",
]


class CrowdpulseError(Exception):
    """Base class of every error crowdpulse raises on purpose."""


class InputError(CrowdpulseError, ValueError):
    """An input file cannot be read: missing, empty, wrong compression, unknown shape.

    Args:
        message: What is wrong, in words a user can act on.
        path: The file concerned, if any.
        line: The 1-based line number concerned, if any.
        field: The dotted field name concerned, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = message
        where = ""
        if path is not None:
            where = str(path)
            if line is not None:
                where += f", line {line}"
            if field is not None:
                where += f", field '{field}'"
            where += ": "
        elif field is not None:
            where = f"field '{field}': "
        super().__init__(where + message)


class ConfigError(CrowdpulseError, ValueError):
    """An event description, lexicon, option or parameter is invalid.

    Args:
        message: What is wrong.
        field: The dotted name of the offending field or option, if known.
        path: The configuration file, if any.
    """

    def __init__(self, message: str, *, field: str | None = None, path: str | None = None) -> None:
        self.field = field
        self.path = path
        prefix = ""
        if path is not None:
            prefix += f"{path}: "
        if field is not None:
            prefix += f"field '{field}': "
        super().__init__(prefix + message)


class NotFittedError(CrowdpulseError, _SklearnNotFittedError):
    """An estimator or detector was used before ``fit``."""

    @classmethod
    def of(cls, estimator: object) -> NotFittedError:
        """The error for ``estimator``, in the words every estimator uses."""
        return cls(f"this {type(estimator).__name__} is not fitted yet; call fit first")


class MissingExtraError(CrowdpulseError, ImportError):
    """An optional dependency is missing; the message says which extra installs it.

    Args:
        package: The import name that failed.
        extra: The crowdpulse extra that provides it, e.g. ``"deep"``.
    """

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{package} is not installed; install it with: pip install 'crowdpulse[{extra}]'"
        )
