"""One change-point type for the whole package: offline change points and streaming alerts.

A :class:`ChangePoint` names the series, the bucket (stream position) where the new
segment starts, that bucket's time stamp, the direction and the magnitude (mean of the
new segment minus mean of the previous one) and the penalty the elbow rule chose.
A change point found by the streaming detector also says when it was found
(``detected_bucket``, ``detected_at``); an offline change point leaves both None.

Tables and dicts of change points exist only at the edges: the CSV/JSON writers and
:func:`~crowdpulse.firestorm.pipeline.alert_record`; the column store used by the
evaluation (:class:`~crowdpulse.firestorm.evaluate.ChangePoints`) is built from a list
of these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Alert", "ChangePoint"]


@dataclass(frozen=True)
class ChangePoint:
    """A change point of one series, found offline or by the streaming detector.

    Attributes:
        series: Name of the series.
        bucket: 0-based position of the first value of the new segment.
        time: Time stamp of that position (whatever the caller's times are).
        direction: ``"up"`` if the new segment's mean is higher, else ``"down"``.
        magnitude: Mean of the new segment minus mean of the previous one.
        penalty: The penalty the elbow rule chose.
        detected_bucket: Position of the update that raised the alert (None offline).
        detected_at: Time stamp of that update (None offline).

    Example:
        >>> cp = ChangePoint("posts", 40, "t40", "up", 2.0, 3.0, detected_bucket=42)
        >>> cp.streaming, cp.delay, cp.index
        (True, 2, 40)
    """

    series: str
    bucket: int
    time: Any
    direction: Literal["up", "down"]
    magnitude: float
    penalty: float
    detected_bucket: int | None = None
    detected_at: Any = None

    @classmethod
    def found(
        cls,
        series: str,
        bucket: int,
        time: Any,
        magnitude: float,
        penalty: float,
        *,
        detected_bucket: int | None = None,
        detected_at: Any = None,
    ) -> ChangePoint:
        """A change point whose direction follows the sign of ``magnitude`` (0 is up).

        Args:
            series: Name of the series.
            bucket: Position of the first value of the new segment.
            time: Time stamp of that position.
            magnitude: Mean of the new segment minus mean of the previous one.
            penalty: The penalty the elbow rule chose.
            detected_bucket: Position of the update that raised it (None offline).
            detected_at: Time stamp of that update (None offline).

        Returns:
            The change point, with Python ``int``/``float`` numbers.
        """
        return cls(
            series=series,
            bucket=int(bucket),
            time=time,
            direction="up" if magnitude >= 0 else "down",
            magnitude=float(magnitude),
            penalty=float(penalty),
            detected_bucket=None if detected_bucket is None else int(detected_bucket),
            detected_at=detected_at,
        )

    @property
    def streaming(self) -> bool:
        """True for a change point the streaming detector raised."""
        return self.detected_bucket is not None

    @property
    def index(self) -> int:
        """The bucket (the streaming detector's name for it)."""
        return self.bucket

    @property
    def delay(self) -> int:
        """Buckets from the change point to its detection (0 offline)."""
        return 0 if self.detected_bucket is None else self.detected_bucket - self.bucket

    def to_dict(self) -> dict[str, Any]:
        """Return the change point as a dict (times as given), with ``index`` and ``delay``."""
        return {**asdict(self), "index": self.index, "delay": self.delay}


Alert = ChangePoint
"""The streaming detector's name for a :class:`ChangePoint` (kept for existing code)."""
