"""The bad-input corpus (tests/bad_inputs/): each bad input is one clear error, the rest complete.

The corpus: an empty file, whitespace only, binary data under a .txt name,
Latin-1 text, a web page whose script would fill in its text, a scanned PDF
(no text layer), a file over the article size limit, a JSON Lines feed with a
malformed line and a line without "text", and a feed that repeats an id.
Decisions they pin down: an oversized text is rejected (not split), Latin-1 is
rejected with the iconv command that fixes it, a page or PDF without text says
why, and a repeated id is an error record of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.article import MAX_ARTICLE_CHARS, Article
from summarizer.errors import InputError
from summarizer.readers import iter_inputs
from tests.conftest import SEED_ARTICLE
from tests.llm_support import chat_requests, run_cli, use_loopback, valid_reply
from tests.loopback import LoopbackServer

CORPUS = Path(__file__).parent / "bad_inputs"

# id -> (the error's type, where it must name, what it must say)
EXPECTED_ERRORS = {
    "empty": ("InputError", "empty.txt", "the input is empty"),
    "whitespace": ("InputError", "whitespace.txt", "the input is empty"),
    "binary": ("InputError", "binary.txt", "binary data, not a text article"),
    "latin1": (
        "InputError",
        "latin1.txt",
        "not UTF-8 text (invalid byte at offset 27); convert it, e.g. iconv",
    ),
    "script-only": ("InputError", "script-only.html", "the page has no article text"),
    "scanned": ("InputError", "scanned.pdf", "the PDF has no text layer (a scan?)"),
    "oversized": ("InputError", "oversized.txt", f"over the limit of {MAX_ARTICLE_CHARS:,}"),
    "feed-line-3": ("InputError", "feed.jsonl:3", "not valid JSON"),
    "wire-4": ("InputError", "feed.jsonl:4", 'the record has no "text" string'),
    "dup-1": ("DuplicateIdError", "duplicate-ids.jsonl:3", "duplicate id 'dup-1'"),
}
GOOD_IDS = {"iraq-baaj-offensive", "wire-1", "wire-2", "wire-5", "dup-1", "dup-2"}


@pytest.fixture
def llm(loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(valid_reply)
    return loopback_server


def test_each_bad_input_is_one_named_error_and_the_good_ones_complete(
    llm: LoopbackServer,
) -> None:
    # A glob yields articles by their kind; a file named on its own is read too.
    result = run_cli(["--jsonl", f"{CORPUS}/*", str(SEED_ARTICLE)])

    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    errors = {line["id"]: line["error"] for line in lines if "error" in line}
    # A result and an error record name their article the same way.
    assert all("article_id" not in line for line in lines)
    results = [line["id"] for line in lines if "error" not in line]
    assert sorted(results) == sorted(GOOD_IDS)
    assert errors.keys() == EXPECTED_ERRORS.keys()
    for article_id, (kind, where, says) in EXPECTED_ERRORS.items():
        error = errors[article_id]
        assert error["type"] == kind, article_id
        assert error["message"].startswith(f"{CORPUS}/{where}"), error
        assert says in error["message"], error
    # One line on stderr per bad input, the same message, then the summary.
    assert sorted(result.error_lines) == sorted(
        f"Error: {error['message']}" for error in errors.values()
    )
    assert result.stderr.splitlines()[-2].startswith(
        "6 done, 10 failed (InputError 9, DuplicateIdError 1)"
    )
    # Only the good ones reached the backend (12 and 8 tokens a loopback reply).
    assert result.stderr.splitlines()[-1] == "Spent 72 input and 48 output tokens, cost unknown"
    assert "Traceback" not in result.stderr
    assert len(chat_requests(llm)) == len(GOOD_IDS)


def test_an_oversized_text_names_its_size_and_the_limit() -> None:
    (item,) = iter_inputs([str(CORPUS / "oversized.txt")], stdin=None)  # type: ignore[arg-type]

    size = len((CORPUS / "oversized.txt").read_text(encoding="utf-8"))
    assert not isinstance(item, Article)
    assert str(item.error) == (
        f"{CORPUS}/oversized.txt: the article is {size:,} characters, over the limit of "
        f"{MAX_ARTICLE_CHARS:,}; split it into separate articles"
    )


def test_a_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "archive-dump.txt"
    with huge.open("wb") as sparse:
        sparse.truncate(3 * 10**9)  # 3 GB on paper, no disk used; reading it would hurt

    (item,) = iter_inputs([str(huge)], stdin=None)  # type: ignore[arg-type]

    assert not isinstance(item, Article)
    assert str(item.error) == (
        f"{huge}: the file is 3,000,000,000 bytes, over the limit of "
        f"{MAX_ARTICLE_CHARS:,} characters per article; split it into separate articles"
    )


def test_an_oversized_json_lines_record_is_named_by_file_and_line(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"id": "long", "text": "word " * (MAX_ARTICLE_CHARS // 4)}) + "\n",
        encoding="utf-8",
    )

    (item,) = iter_inputs([str(feed)], stdin=None)  # type: ignore[arg-type]

    assert not isinstance(item, Article)
    assert item.id == "long"
    assert str(item.error).startswith(f"{feed}:1 (long): the article is 2,500,000 characters")


@pytest.mark.parametrize(
    "text",
    [
        "Temperatures fell to <5 degrees as the <storm> moved east on Monday.",
        "The court ruled that the <body> tag in the filing was a typo.\n" + "More text. " * 400,
    ],
    ids=["angle-brackets", "tag-named-in-prose"],
)
def test_text_with_angle_brackets_is_not_taken_for_html(text: str) -> None:
    assert Article.from_text(text).body


@pytest.mark.parametrize(
    "text",
    [
        "<html><body><p>Floods hit the valley.</p></body></html>",
        "\n  <!doctype HTML>\n<p>Floods hit the valley.</p>",
        "<div>menu</div><HEAD><title>News</title></HEAD><p>Floods hit the valley.</p>",
    ],
    ids=["html", "doctype", "head"],
)
def test_a_web_page_is_refused(text: str) -> None:
    # As text: the readers read a page's markup as a web page; Article.from_text says how.
    with pytest.raises(
        InputError,
        match=r"page\.html: looks like HTML, not plain text; read it as a web page \(a \.html "
        r"file, with pip install 'summarizer\[html\]'\)",
    ):
        Article.from_text(text, source="page.html")
