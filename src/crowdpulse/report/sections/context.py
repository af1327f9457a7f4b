"""What every section reads: the event, the options, the stages' typed results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from crowdpulse.event import Event
from crowdpulse.report.results import StageResult, result_of
from crowdpulse.report.stages import ReportOptions

if TYPE_CHECKING:
    from crowdpulse.report.build import ReportResult
    from crowdpulse.report.cache import StageRecord
    from crowdpulse.report.html import Comparison

__all__ = ["PageContext", "planted"]

R = TypeVar("R", bound=StageResult)


def planted(truth: Mapping[str, Any] | None, *keys: str) -> Any:
    """A value of the generator's truth file (``truth[k1][k2]...``), or None.

    The truth file is the generator's own JSON (``crowdpulse synth --truth``), read
    only to print planted numbers beside measured ones.
    """
    data: Any = truth
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


@dataclass
class PageContext:
    """The inputs of the page.

    Attributes:
        event: The event.
        options: The report's options.
        result: The stages' records and the provenance.
        truth: A generator's truth (planted numbers), or None.
        comparisons: The papers' numbers beside ours.
        drill: Drill-down key -> example posts (filled by the sections).
    """

    event: Event
    options: ReportOptions
    result: ReportResult
    truth: Mapping[str, Any] | None
    comparisons: Sequence[Comparison]
    drill: dict[str, Any] = field(default_factory=dict)
    _typed: dict[str, StageResult] = field(default_factory=dict)

    def record(self, name: str) -> StageRecord:
        """The record of a stage."""
        return self.result.stages[name]

    def typed(self, name: str, kind: type[R]) -> R | None:
        """The typed result of a stage, or None when it did not finish."""
        record = self.result.stages.get(name)
        if record is None or not record.ok:
            return None
        if name not in self._typed:
            self._typed[name] = result_of(record, kind)
        value = self._typed[name]
        assert isinstance(value, kind)
        return value

    def items(self, section: str) -> list[Comparison]:
        """The papers' numbers of one section."""
        return [c for c in self.comparisons if c.section == section]
