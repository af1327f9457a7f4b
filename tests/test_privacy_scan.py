"""Pseudonymisation without holes: every output file of a pseudonymised run is scanned.

The raw handles and account ids are collected from an unpseudonymised read of the same
inputs (id and handle columns, mention lists, ``@mentions`` and account links in texts
and URLs) and from the raw JSON (every ``screen_name`` / ``username`` and user id).
Then every file a pseudonymised run wrote (Parquet, JSON lines, CSV, GEXF, HTML, SVG,
JSON) is searched for them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crowdpulse.io.ingest import IngestOptions, ingest, read_posts
from crowdpulse.io.pseudonym import pseudonymize_text

SALT = "test-salt-not-secret"

# v1.1 and v2 samples that hold posts (the rest are users, counts, compliance files)
V2_FILES = (
    "2sets.jsonl",
    "brexit.jsonl",
    "flat.jsonl",
    "noflat.jsonl",
    "kpop.jsonl",
    "mentions_tweet.jsonl",
    "many_urls.jsonl",
    "geo_tweets.jsonl",
    "edited.jsonl",
    "quoted_edit.jsonl",
    "withheld.jsonl",
    "streaming_output_with_error.jsonl",
    "entities_test.jsonl",
    "cotweet.jsonl",
)
_HANDLE_KEYS = {"screen_name", "username", "in_reply_to_screen_name"}
_USER_ID_KEYS = {"author_id", "in_reply_to_user_id", "in_reply_to_user_id_str", "user_id"}
# Mentions as Twitter links them (not inside a word or an e-mail address; after RT)
_MENTION = re.compile(r"(?:(?<![A-Za-z0-9_])|(?<=RT))[@＠]([A-Za-z0-9_]{1,15})")
_ACCOUNT_URL = re.compile(
    r"(?i)(?<![\w.-])(?:https?://)?(?:(?:www|mobile|m)\.)?(?:twitter|x)\.com/(?:#!/)?"
    r"([A-Za-z0-9_]{1,15})"
)
# Columns of fixed vocabularies or hashtags: a hashtag or platform equal to a handle
# (#blackpink, "twitter") is not that account.
_NOT_ACCOUNTS = {"hashtags", "platform", "source_format", "lang", "label", "source_file"}
_FREE_TEXT = {"text", "author_location"}
_SITE = {"i", "intent", "search", "hashtag", "home", "share", "status", "statuses"}


def _walk_json(node: Any, handles: set[str], ids: set[str], in_user: bool = False) -> None:
    if isinstance(node, dict):
        user_like = in_user or "screen_name" in node or "username" in node
        for key, value in node.items():
            if key in _HANDLE_KEYS and isinstance(value, str) and value:
                handles.add(value.lower())
            elif not isinstance(value, (dict, list)) and (
                (key in _USER_ID_KEYS and value is not None)
                or (user_like and key in ("id", "id_str"))
            ):
                ids.add(str(value))
            else:
                _walk_json(value, handles, ids, key in ("user", "author", "in_reply_to_user"))
    elif isinstance(node, list):
        for value in node:
            _walk_json(value, handles, ids, in_user)


def column_accounts(paths: list[Path], handles: set[str], ids: set[str]) -> pa.Table:
    """Add the handles and ids of an unpseudonymised read's columns; return the read."""
    table, _ = read_posts(paths, IngestOptions(keep_retweets=True, dedupe=False))
    for name in ("author_handle", "retweeted_author_handle", "quoted_author_handle",
                 "reply_to_author_handle"):  # fmt: skip
        handles.update(v.lower() for v in table[name].to_pylist() if v)
    for name in ("author_id", "retweeted_author_id", "quoted_author_id", "reply_to_author_id"):
        ids.update(v for v in table[name].to_pylist() if v)
    for values in table["mention_handles"].to_pylist():
        handles.update(v.lower() for v in values or () if v)
    for values in table["mention_ids"].to_pylist():
        ids.update(v for v in values or () if v)
    return table


def _raw_accounts(paths: list[Path]) -> tuple[set[str], set[str]]:
    """Every raw handle (lower-cased) and account id of the inputs."""
    handles: set[str] = set()
    ids: set[str] = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                _walk_json(json.loads(line), handles, ids)
            except ValueError:
                continue
    table = column_accounts(paths, handles, ids)
    for text in table["text"].to_pylist():
        handles.update(m.lower() for m in _MENTION.findall(text or ""))
        handles.update(
            m.lower() for m in _ACCOUNT_URL.findall(text or "") if m.lower() not in _SITE
        )
    for values in table["urls"].to_pylist():
        for url in values or ():
            handles.update(m.lower() for m in _ACCOUNT_URL.findall(url) if m.lower() not in _SITE)
    ids = {i for i in ids if len(i) >= 4}  # tiny ids are digits found in any text
    return handles, ids


def output_strings(path: Path) -> list[tuple[str, bool]]:
    """The text of a file with whether a whole value equal to a handle counts.

    Parquet: every string cell (free-text cells such as a typed location "Twitter"
    are searched for mentions and links only); other files: their decoded bytes.
    """
    if path.suffix != ".parquet":
        return [(path.read_bytes().decode("utf-8", errors="replace"), True)]
    out: list[tuple[str, bool]] = []

    def add(value: Any, exact: bool) -> None:
        if isinstance(value, str):
            out.append((value, exact))
        elif isinstance(value, list):
            for v in value:
                add(v, exact)
        elif isinstance(value, dict):
            for v in value.values():
                add(v, exact)

    table = pq.read_table(path)
    for name in table.column_names:
        if name in _NOT_ACCOUNTS:
            continue
        for value in table[name].to_pylist():
            add(value, name not in _FREE_TEXT)
    return out


def _leaks(folder: Path, handles: set[str], ids: set[str], *, tokens: bool) -> list[str]:
    """Raw handles and ids found in the files under ``folder``.

    A handle counts when it appears as ``@handle``, as an account link, as a whole
    string value, or (with ``tokens``, for generated handles that are no words) as
    any token; an id when it appears as a whole number token.
    """
    found: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for text, exact in output_strings(path):
            lowered = text.lower()
            if exact and lowered.strip() in handles:
                found.append(f"{path.name}: handle {lowered.strip()!r} as a value")
            for match in _MENTION.findall(text):
                if match.lower() in handles:
                    found.append(f"{path.name}: @{match}")
            for match in _ACCOUNT_URL.findall(text):
                if match.lower() in handles:
                    found.append(f"{path.name}: link to {match}")
            if exact:
                for quoted in re.findall(r'"([^"\\]{1,40})"', text):
                    if quoted.lower() in handles:
                        found.append(f"{path.name}: quoted {quoted!r}")
            if tokens:
                for token in set(re.findall(r"[A-Za-z0-9_]+", lowered)):
                    if token in handles:
                        found.append(f"{path.name}: token {token!r}")
            for number in set(re.findall(r"(?<![0-9A-Za-z])\d{4,}(?![0-9A-Za-z])", text)):
                if number in ids:
                    found.append(f"{path.name}: id {number}")
    return found


def test_text_forms_are_all_replaced() -> None:
    text = "RT@Bob: hi .@bob ＠BOB @bob twitter.com/bob/status/1 https://x.com/Bob RT:@bob"
    out = pseudonymize_text(text, SALT)
    assert "bob" not in out.lower()
    # one account, one pseudonym, whatever the form
    assert len(set(re.findall(r"u[0-9a-f]{14}", out))) == 1
    assert "/status/1" in out  # post ids stay, as in the id column
    assert pseudonymize_text("mail a@b.com or visit fedex.com/abc", SALT) == (
        "mail a@b.com or visit fedex.com/abc"
    )


def test_real_twitter_samples_leak_nothing(shared_data: Path, tmp_path: Path) -> None:
    inputs = [shared_data / "twitter_v1_sample" / "napa_earthquake_2014_sample.jsonl"]
    inputs += [shared_data / "twitter_v2_twarc" / n for n in V2_FILES]
    inputs = [p for p in inputs if p.exists()]
    handles, ids = _raw_accounts(inputs)
    assert len(handles) > 100 and len(ids) > 100  # the scan has something to find
    out = tmp_path / "out"
    options = IngestOptions(keep_retweets=True, dedupe=False, pseudonymize_salt=SALT)
    summary = ingest(inputs, out / "corpus.parquet", options=options)
    assert summary.kept > 0 and summary.quarantined > 0  # the quarantine is scanned too
    assert _leaks(out, handles, ids, tokens=False) == []
    # the check can fail: the same run without a salt leaks
    raw = tmp_path / "raw"
    ingest(inputs, raw / "corpus.parquet", options=IngestOptions(keep_retweets=True))
    assert len(_leaks(raw, handles, ids, tokens=False)) > 100


def test_pseudonymized_quarantine_excerpts(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "twitter_v2_twarc" / "streaming_output_with_error.jsonl"
    handles, ids = _raw_accounts([source])
    out = tmp_path / "out"
    options = IngestOptions(pseudonymize_salt=SALT, quarantine_excerpts="pseudonymize")
    summary = ingest([source], out / "corpus.parquet", options=options)
    assert summary.quarantined > 0
    lines = Path(summary.quarantine_file or "").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert all(r["raw"] and not r["raw"].startswith("<redacted") for r in rows)
    assert _leaks(out, handles, ids, tokens=False) == []


def test_pseudonymized_report_leaks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crowdpulse.event import load_event
    from crowdpulse.report import ReportOptions, build_report
    from crowdpulse.synth import SynthConfig, synthesize

    synthesize(
        SynthConfig(seed=7, posts=2500, days=6, noise=True),
        tmp_path / "posts.jsonl",
        fmt="v1",
        event_path=tmp_path / "event.toml",
    )
    handles, ids = _raw_accounts([tmp_path / "posts.jsonl"])
    assert len(handles) > 200
    event = load_event(tmp_path / "event.toml")
    assert event.firestorm is not None and event.firestorm.target.startswith("@")
    text = (tmp_path / "event.toml").read_text(encoding="utf-8")
    (tmp_path / "event.toml").write_text(
        text + '\n[privacy]\nsalt_env = "CROWDPULSE_TEST_SALT"\n', encoding="utf-8"
    )
    monkeypatch.setenv("CROWDPULSE_TEST_SALT", SALT)
    options = ReportOptions(folds=2, models=("logreg",), term_k=5, formats=("png", "svg"), seed=1)
    out = tmp_path / "report"
    result = build_report(tmp_path / "event.toml", out, options=options)
    assert result.stages["firestorm"].ok and result.stages["ingest"].ok
    # the @target is looked for under its pseudonym, so the firestorm is still found
    assert result.stages["firestorm"].manifest["summary"]["network_peak"]["target_found"] is True
    assert any(out.rglob("*.gexf")) and any(out.rglob("*.html"))
    assert _leaks(out, handles, ids, tokens=True) == []
    files = [p for p in out.rglob("*") if p.is_file()]
    assert not any(SALT.encode() in p.read_bytes() for p in files)  # the salt is nowhere
    # the check can fail: the same posts ingested without a salt name the accounts
    plain = tmp_path / "plain"
    ingest([tmp_path / "posts.jsonl"], plain / "corpus.parquet")
    assert len(_leaks(plain, handles, ids, tokens=True)) > 100


def test_cli_salt_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from crowdpulse.cli import main

    line = (
        '{"id_str": "%d", "created_at": "Wed Aug 27 13:08:45 +0000 2014", '
        '"text": "RT@Secret_Handle hi ＠other_one", "lang": "en", '
        '"user": {"id_str": "987654%d", "screen_name": "Author_%d"}}\n'
    )
    source = tmp_path / "posts.jsonl"
    source.write_text("".join(line % (i, i, i) for i in range(5)) + "{broken @Secret_Handle\n")
    out = tmp_path / "out"
    args = ["ingest", str(source), "-o", str(out / "c.parquet"), "--keep-retweets"]
    monkeypatch.delenv("CP_SALT", raising=False)
    missing = CliRunner().invoke(main, [*args, "--pseudonymize-salt-env", "CP_SALT"])
    assert missing.exit_code == 1 and "CP_SALT" in missing.stderr
    monkeypatch.setenv("CP_SALT", SALT)
    done = CliRunner().invoke(main, [*args, "--pseudonymize-salt-env", "CP_SALT", "--json"])
    assert done.exit_code == 0, done.output
    handles = {"secret_handle", "other_one"} | {f"author_{i}" for i in range(5)}
    ids = {f"987654{i}" for i in range(5)}
    assert (out / "c.quarantine.jsonl").exists()
    assert _leaks(out, handles, ids, tokens=True) == []
    assert not any(SALT.encode() in p.read_bytes() for p in out.iterdir())


@pytest.fixture(scope="module")
def private_event(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated v1.1 stream (1,500 posts) with an event that has ``[privacy]``."""
    from crowdpulse.synth import SynthConfig, synthesize

    folder = tmp_path_factory.mktemp("private_event")
    synthesize(
        SynthConfig(seed=7, posts=1500, days=4, noise=True),
        folder / "posts.jsonl",
        fmt="v1",
        event_path=folder / "event.toml",
    )
    text = (folder / "event.toml").read_text(encoding="utf-8")
    (folder / "event.toml").write_text(
        text + '\n[privacy]\nsalt_env = "CP_PRIVACY_SALT"\nquarantine_excerpts = "pseudonymize"\n',
        encoding="utf-8",
    )
    return folder


def test_firestorm_event_refuses_a_raw_corpus(
    private_event: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from crowdpulse.cli import main

    posts, event = private_event / "posts.jsonl", private_event / "event.toml"
    handles, ids = _raw_accounts([posts])
    ingest([posts], tmp_path / "raw.parquet")
    ingest([posts], tmp_path / "private.parquet", options=IngestOptions(pseudonymize_salt=SALT))
    monkeypatch.setenv("CP_PRIVACY_SALT", SALT)
    args = ["firestorm", "--event", str(event), "--no-figures", "--quiet", "-o"]
    refused = CliRunner().invoke(
        main, [*args, str(tmp_path / "out_raw"), str(tmp_path / "raw.parquet")]
    )
    assert refused.exit_code == 1
    assert "raw accounts" in refused.stderr and "--pseudonymize-salt-env CP_PRIVACY_SALT" in (
        refused.stderr
    )
    assert not (tmp_path / "out_raw").exists() or not any((tmp_path / "out_raw").iterdir())
    out = tmp_path / "out"
    done = CliRunner().invoke(main, [*args, str(out), str(tmp_path / "private.parquet")])
    assert done.exit_code == 0, done.output
    assert any(out.rglob("*.csv")) and _leaks(out, handles, ids, tokens=True) == []
    # pseudonyms of another salt are refused too
    monkeypatch.setenv("CP_PRIVACY_SALT", "another salt")
    other = CliRunner().invoke(
        main, [*args, str(tmp_path / "o2"), str(tmp_path / "private.parquet")]
    )
    assert other.exit_code == 1 and "another salt" in other.stderr


def test_watch_with_privacy_names_no_account(
    private_event: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from crowdpulse.cli import main

    handles, ids = _raw_accounts([private_event / "posts.jsonl"])
    posts = tmp_path / "posts.jsonl"
    some = sorted(handles)[0]
    posts.write_bytes(
        (private_event / "posts.jsonl").read_bytes() + f'{{"broken": "@{some}"\n'.encode()
    )

    def run(event: Path, out: Path) -> None:
        out.mkdir()
        result = CliRunner().invoke(
            main,
            ["watch", str(posts), "--event", str(event), "--quiet", "--state",
             str(out / "watch.state"), "--quarantine", str(out / "rejected.jsonl")],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        (out / "alerts.jsonl").write_text(result.stdout, encoding="utf-8")
        assert (out / "rejected.jsonl").stat().st_size > 0

    monkeypatch.setenv("CP_PRIVACY_SALT", SALT)
    run(private_event / "event.toml", tmp_path / "private")
    assert _leaks(tmp_path / "private", handles, ids, tokens=True) == []
    files = [p for p in (tmp_path / "private").iterdir()]
    assert not any(SALT.encode() in p.read_bytes() for p in files)  # not even in the state
    # the check can fail: without [privacy] the quarantine and the state name accounts
    plain = tmp_path / "plain.toml"
    text = (private_event / "event.toml").read_text(encoding="utf-8")
    plain.write_text(text.split("[privacy]")[0], encoding="utf-8")
    run(plain, tmp_path / "plain")
    assert _leaks(tmp_path / "plain", handles, ids, tokens=True) != []
