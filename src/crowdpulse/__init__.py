"""crowdpulse: measure how crowds behave around crisis events.

The public API is listed in :data:`__all__`; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
