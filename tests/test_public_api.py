"""The public API: every name in crowdpulse.__all__ resolves, and nothing else leaks."""

from __future__ import annotations

import subprocess
import sys

import pytest

import crowdpulse


@pytest.mark.parametrize("name", crowdpulse.__all__)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(crowdpulse, name)
    assert value is not None
    if callable(value) and not isinstance(value, type):
        assert value.__doc__, f"{name} has no docstring"


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        crowdpulse.not_a_thing  # noqa: B018


def test_import_is_light() -> None:
    code = (
        "import sys, crowdpulse; "
        "print(sorted(m for m in ('pyarrow', 'sklearn', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_extract_emojis_keeps_sequences_whole() -> None:
    assert crowdpulse.extract_emojis("Praying for Paris 🙏🏽🇫🇷 👩🏽‍⚕️") == ["🙏🏽", "🇫🇷", "👩🏽‍⚕️"]
