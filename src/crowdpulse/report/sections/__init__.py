"""The page's sections, one module each.

Every module has ``build(page: PageContext) -> Section``: it reads the typed stage
results (:mod:`crowdpulse.report.results`) and returns blocks that the templates
render (:mod:`crowdpulse.report.blocks`).
"""

from __future__ import annotations

from crowdpulse.report.sections.context import PageContext

__all__ = ["PageContext"]
