"""The detector contract: ruptures' ``BaseEstimator`` shape, scikit-learn's parameters.

A detector is configured in ``__init__`` (each argument stored unchanged under its
own name), learns from a signal in ``fit`` and returns change points in
``predict``; ``fit_predict`` does both. :class:`BaseDetector` adds scikit-learn's
parameter protocol on top of that shape: :meth:`~BaseDetector.get_params`,
:meth:`~BaseDetector.set_params` and a readable repr listing the arguments that
differ from their defaults, so ``sklearn.base.clone(Pelt(model="l2", jump=5))``
makes an unfitted copy and grid searches can vary a detector's options.

Writing a detector: subclass, take every option as a keyword argument of
``__init__`` and store it as is (validate in ``fit``, as scikit-learn does),
implement ``fit`` and ``predict``.
"""

from __future__ import annotations

import inspect
from typing import Any

from crowdpulse.exceptions import ConfigError

__all__ = ["BaseDetector"]


class BaseDetector:
    """Base class of the change-point detectors (``Pelt``, ``StreamingDetector``)."""

    @classmethod
    def _param_names(cls) -> list[str]:
        """The names of the ``__init__`` arguments, in order (no ``*args``/``**kwargs``)."""
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The detector's options, as given to ``__init__`` (scikit-learn's protocol).

        Args:
            deep: Also return the options of options that are estimators
                themselves, as ``name__option`` (scikit-learn's meaning).

        Returns:
            Option name -> value.
        """
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update({f"{name}__{k}": v for k, v in value.get_params().items()})
            out[name] = value
        return out

    def set_params(self, **params: Any) -> BaseDetector:
        """Change options (scikit-learn's protocol); a fitted state is kept until ``fit``.

        Args:
            **params: Option name -> new value (``name__option`` for nested ones).

        Returns:
            self

        Raises:
            ConfigError: An option name is unknown.
        """
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ConfigError(
                    f"{type(self).__name__} has no option {name!r}; options: {', '.join(valid)}",
                    field=name,
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        """``ClassName(option=value, ...)`` with the options that differ from the defaults."""
        sig = inspect.signature(type(self).__init__)
        shown = []
        for name in self._param_names():
            value = getattr(self, name, None)
            default = sig.parameters[name].default
            try:
                same = default is not inspect.Parameter.empty and bool(value == default)
            except (TypeError, ValueError):  # e.g. arrays
                same = False
            if not same:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def fit(self, signal: Any) -> BaseDetector:
        """Learn from ``signal`` (implemented by each detector).

        Args:
            signal: The signal.

        Returns:
            self
        """
        raise NotImplementedError

    def predict(self, *args: Any, **kwargs: Any) -> Any:
        """Return change points of the fitted signal (implemented by each detector).

        Args:
            *args: The detector's arguments (e.g. ``pen`` for ``Pelt``).
            **kwargs: The same, by name.

        Returns:
            The change points, in the detector's convention.
        """
        raise NotImplementedError

    def fit_predict(self, signal: Any, *args: Any, **kwargs: Any) -> Any:
        """``fit(signal)`` then ``predict(*args, **kwargs)``.

        Args:
            signal: The signal.
            *args: Passed to ``predict``.
            **kwargs: Passed to ``predict``.

        Returns:
            What ``predict`` returns.
        """
        return self.fit(signal).predict(*args, **kwargs)
