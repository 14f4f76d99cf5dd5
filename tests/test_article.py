"""Article input: files with and without a header, stdin, JSON Lines, and unreadable input.

A bad input is one `Error:` line naming it and exit code 1; the good inputs beside
it are still summarized (by the loopback server, so no test depends on the
offline backend).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from summarizer.article import Article
from summarizer.readers import read_article
from tests.conftest import SEED_ARTICLE
from tests.llm_support import (
    article_block,
    chat_requests,
    run_cli,
    use_loopback,
    user_message,
    valid_reply,
)
from tests.loopback import LoopbackServer

NO_HEADER = "Flooding forced thousands from their homes in the river valley on Sunday.\n"


@pytest.fixture
def llm(loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    """The CLI pointed at the loopback server, which answers any article validly."""
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(valid_reply)
    return loopback_server


def test_header_gives_publication_date_and_dateline() -> None:
    article = read_article(SEED_ARTICLE)

    assert article.id == "iraq-baaj-offensive"
    assert article.published == dt.date(2017, 5, 25)
    assert article.dateline == "Baghdad"
    assert article.body.startswith("Iraqi paramilitary Hashd Shaabi units on Thursday")


def test_text_without_header_has_no_date() -> None:
    article = Article.from_text(NO_HEADER)

    assert (article.published, article.dateline) == (None, None)
    assert article.body == NO_HEADER.strip()
    assert article.id.startswith("article-")


def test_txt_files_with_and_without_header(llm: LoopbackServer, tmp_path: Path) -> None:
    plain = tmp_path / "River Flood.txt"
    plain.write_text(NO_HEADER, encoding="utf-8")

    result = run_cli(["--jsonl", "--ordered", str(SEED_ARTICLE), str(plain)])

    assert result.exit_code == 0, result.stderr
    seed, flood = result.results
    assert (seed["id"], seed["published"], seed["dateline"]) == (
        "iraq-baaj-offensive",
        "2017-05-25",
        "Baghdad",
    )
    assert (flood["id"], flood["published"], flood["dateline"]) == (
        "river-flood",
        None,
        None,
    )
    # Articles may be in flight together, so the requests are told apart by content.
    undated, dated = sorted(chat_requests(llm), key=lambda request: "Baaj" in user_message(request))
    assert "Publication date: Thursday, 2017-05-25" in user_message(dated)
    assert "Publication date: unknown." in user_message(undated)
    assert article_block(undated) == NO_HEADER.strip()


def test_stdin_text(llm: LoopbackServer) -> None:
    result = run_cli(["--jsonl", "-"], stdin=SEED_ARTICLE.read_bytes())

    assert result.exit_code == 0, result.stderr
    (summary,) = result.results
    assert (summary["id"], summary["published"]) == ("stdin", "2017-05-25")


def test_jsonl_file(llm: LoopbackServer, tmp_path: Path) -> None:
    records = tmp_path / "batch.jsonl"
    records.write_text(
        json.dumps({"id": "baaj", "text": SEED_ARTICLE.read_text(encoding="utf-8")})
        + "\n\n"
        + json.dumps({"id": 7, "text": NO_HEADER})
        + "\n",
        encoding="utf-8",
    )

    result = run_cli(["--jsonl", "--ordered", str(records)])

    assert result.exit_code == 0, result.stderr
    assert [summary["id"] for summary in result.results] == ["baaj", "7"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the input is empty"),
        (b"  \n\t \n", "the input is empty"),
        (b"date 2017-05-25 Baghdad: \x00\x01\x02 PK\x03\x04", "binary data"),
        ("Le caf\u00e9 a br\u00fbl\u00e9 \u00e0 Paris.".encode("latin-1"), "not UTF-8 text"),
    ],
    ids=["empty", "whitespace", "binary", "latin-1"],
)
def test_unreadable_file_is_one_error_line_and_the_good_file_still_prints(
    llm: LoopbackServer, tmp_path: Path, content: bytes, reason: str
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)

    result = run_cli(["--jsonl", str(bad), str(SEED_ARTICLE)])

    assert result.exit_code == 1
    (line,) = result.error_lines
    assert line.startswith(f"Error: {bad}: {reason}")
    assert "Traceback" not in result.stderr
    (printed,) = result.results
    assert printed["id"] == "iraq-baaj-offensive"
    assert len(chat_requests(llm)) == 1


def test_unreadable_stdin_is_named(llm: LoopbackServer) -> None:
    result = run_cli(["--jsonl", "-"], stdin=b"\xff\xfe\x00b\x00a\x00d\x00")

    assert result.exit_code == 1
    (line,) = result.error_lines
    assert line.startswith("Error: <stdin>: ")
    assert result.results == []
    assert chat_requests(llm) == []


def test_bad_jsonl_lines_are_named_and_the_rest_still_print(
    llm: LoopbackServer, tmp_path: Path
) -> None:
    records = tmp_path / "mixed.jsonl"
    records.write_bytes(
        b'{"id": "ok", "text": "Flooding forced thousands from their homes on Sunday."}\n'
        b"not json\n"
        b'{"id": "blank", "text": "   "}\n'
        b'{"id": "no-text"}\n'
    )

    result = run_cli(["--jsonl", str(records)])

    assert result.exit_code == 1
    assert [summary["id"] for summary in result.results] == ["ok"]
    assert sorted(line.split(": ")[1] for line in result.error_lines) == [
        f"{records}:2",
        f"{records}:3 (blank)",
        f"{records}:4",
    ]


def test_missing_file_is_named(llm: LoopbackServer, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"

    result = run_cli(["--jsonl", str(missing), str(SEED_ARTICLE)])

    assert result.exit_code == 1
    (line,) = result.error_lines
    assert line.startswith(f"Error: {missing}")
    assert [summary["id"] for summary in result.results] == ["iraq-baaj-offensive"]
