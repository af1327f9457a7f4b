"""The ``crowdpulse`` command line.

Each command lives in a module of this package that defines ``command`` (a click
command or group); :data:`COMMANDS` lists them in the order ``--help`` shows.
"""

from __future__ import annotations

import importlib

import click

from crowdpulse import __version__

__all__ = ["COMMANDS", "main"]

COMMANDS: tuple[str, ...] = (
    "ingest",
    "info",
    "synth",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="crowdpulse")
def main() -> None:
    """crowdpulse: measure how crowds behave around crisis events.

    \b
    A typical session:
      crowdpulse synth --seed 1 --posts 20000 --format v1 -o posts.jsonl --truth truth.json --event event.toml
      crowdpulse ingest posts.jsonl -o corpus.parquet
      crowdpulse info corpus.parquet
    """


for _name in COMMANDS:
    main.add_command(importlib.import_module(f"crowdpulse.cli.{_name}").command)
