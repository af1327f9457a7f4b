"""The ``crowdpulse`` command line.

Each command lives in a module of this package that defines ``command`` (a click
command or group); :data:`COMMANDS` lists them in the order ``--help`` shows. Modules
are imported only when their command runs (or ``--help`` lists them), so the CLI
starts fast and a command's heavy dependencies load only for that command.

Exit codes (every command): 0 success, 1 data or input error, 2 usage error; see
:mod:`crowdpulse.cli._common`.
"""

from __future__ import annotations

import importlib
import sys
import threading

import click

from crowdpulse import __version__

__all__ = ["COMMANDS", "main"]

COMMANDS: tuple[str, ...] = (
    "synth",
    "ingest",
    "info",
    "features",
    "geocode",
    "geotag",
    "label",
    "classify",
    "emojis",
    "detect",
    "firestorm",
    "watch",
    "report",
)


def _terminated(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


class _LazyGroup(click.Group):
    """A click group that imports each command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"crowdpulse.cli.{cmd_name}")
        command: click.Command = module.command
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a closed standard output (``| head``) ends quietly with 0."""
        import signal

        from crowdpulse.cli._common import quiet_broken_pipe

        # `kill` (SIGTERM) unwinds like Ctrl-C, so temporaries are removed on the way out
        # (a command may install its own handler, as `watch` does to checkpoint).
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _terminated) if main else None
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()
        except BrokenPipeError:
            quiet_broken_pipe()
        finally:
            if main:  # as it was (the CLI may run inside a test or another program)
                signal.signal(signal.SIGTERM, previous)
        return result


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="crowdpulse")
def main() -> None:
    """crowdpulse: measure how crowds behave around crisis events.

    \b
    A typical session (each command's --help has an example):
      crowdpulse synth --seed 1 -o posts.jsonl.gz --truth truth.json --event event.toml
      crowdpulse ingest --event event.toml -o corpus.parquet --keep-retweets
      crowdpulse info corpus.parquet
      crowdpulse report event.toml -o report/
    """
