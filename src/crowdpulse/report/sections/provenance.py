"""Provenance: versions, options, parameters, input checksums, artefacts."""

from __future__ import annotations

from markupsafe import Markup

from crowdpulse.report.blocks import (
    Block,
    FileList,
    Grid,
    Heading,
    Paragraph,
    Section,
    fmt_int,
    table,
)
from crowdpulse.report.results import Provenance
from crowdpulse.report.sections.context import PageContext
from crowdpulse.report.sections.glance import status

__all__ = ["build"]

LEAD = Markup(
    "What produced this page: software versions, the options and each stage's parameters, the "
    "SHA-256 of every input file, and each stage's cache key (a hash of its inputs' checksums, "
    "its parameters, the keys of the stages it reads and the crowdpulse version). The same is "
    "in <code>provenance.json</code>; each stage's <code>manifest.json</code> also lists the "
    "checksum of every file it wrote."
)


def _value(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def build(page: PageContext) -> Section:
    """Build the section (from the provenance the report writes to ``provenance.json``)."""
    p = Provenance.from_dict(page.result.provenance)
    env = p.environment
    blocks: list[Block] = []
    if p.command:
        blocks.append(Paragraph(Markup("Command: <code>{}</code>").format(p.command)))
    software = [
        ["crowdpulse", env.crowdpulse],
        ["Python", f"{env.python} ({env.implementation})"],
        ["platform", f"{env.platform} {env.machine}"],
    ]
    software += [[k, v or "not installed"] for k, v in env.libraries.items()]
    blocks.append(
        Grid(
            (
                (Heading("Software"), table("Software versions", ["", "version"], software)),
                (
                    Heading("Options"),
                    table(
                        "The report's options",
                        ["option", "value"],
                        [[k, _value(v)] for k, v in page.options.to_dict().items()],
                    ),
                ),
            )
        )
    )
    blocks.append(Heading("Input files"))
    blocks.append(
        table(
            "Input files and their SHA-256",
            ["role", "file", "bytes", "SHA-256"],
            [
                [
                    i.role,
                    i.path,
                    fmt_int(i.bytes),
                    Markup('<span class="mono">{}</span>').format(i.sha256),
                ]
                for i in p.inputs
            ],
            numeric=[2],
        )
    )
    blocks.append(Heading("Stages"))
    blocks.append(
        table(
            "Each stage's cache key and parameters",
            ["stage", "status", "cache key", "parameters", "computed"],
            [
                [
                    name,
                    status(st.status),
                    Markup('<span class="mono">{}</span>').format(st.key or "–"),
                    "; ".join(f"{k}={_value(v)}" for k, v in st.params.items()),
                    st.finished or "",
                ]
                for name, st in p.stages.items()
            ],
        )
    )
    blocks.append(Heading("Artefacts"))
    blocks.append(
        FileList(tuple((rel.removeprefix("stages/"), rel) for rel in page.result.artefacts))
    )
    return Section("provenance", "Provenance", LEAD, tuple(blocks), nav="Provenance")
