"""The public API: every name in crowdpulse.__all__ resolves, and nothing else leaks."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import crowdpulse

_INIT = Path(crowdpulse.__file__)


@pytest.mark.parametrize("name", sorted(set(crowdpulse.__all__) - {"__version__"}))
def test_every_public_name_is_the_object_its_module_defines(name: str) -> None:
    module = importlib.import_module(crowdpulse._EXPORTS[name])
    assert getattr(crowdpulse, name) is getattr(module, name)
    value = getattr(crowdpulse, name)
    if callable(value) and not isinstance(value, type):
        assert value.__doc__, f"{name} has no docstring"


def test_type_checkers_see_the_same_names_as_the_lazy_exports() -> None:
    tree = ast.parse(_INIT.read_text(encoding="utf-8"))
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    seen = {
        alias.asname: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == crowdpulse._EXPORTS


def test_version_is_single_sourced() -> None:
    from importlib.metadata import version

    assert version("crowdpulse") == crowdpulse.__version__
    pyproject = (_INIT.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert "\nversion =" not in pyproject


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


_USER_SCRIPT = '''\
"""A user's script."""

import crowdpulse
from crowdpulse import IngestOptions


def kept(path: str) -> int:
    """Ingest one file and count the kept posts."""
    summary = crowdpulse.ingest([path], "corpus.parquet", options=IngestOptions(lang="en"))
    return summary.kept
'''


@pytest.mark.skipif(
    shutil.which("mypy", path=str(Path(sys.executable).parent)) is None,
    reason="mypy is not installed (dev extra)",
)
def test_public_api_is_typed_for_a_strict_user(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(_USER_SCRIPT, encoding="utf-8")
    # Were the lazy names Any, this wrong use would pass too.
    bad = tmp_path / "bad.py"
    bad.write_text(_USER_SCRIPT.replace("return summary.kept", 'return summary.kept + ""'))
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
    ok = subprocess.run([*mypy, str(good)], capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout
    wrong = subprocess.run([*mypy, str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert wrong.returncode == 1
    assert "Unsupported operand types" in wrong.stdout
