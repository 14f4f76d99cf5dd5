"""One rule for what a folder or a glob yields.

Both yield every file of a kind that is read (.txt, .jsonl, .ndjson, .html, .htm,
.pdf, .rss, .atom, and .xml files whose root is a feed's): a subfolder is never an
input of its own (a folder's articles are found at any depth; a glob's matching
folder is passed over, not a failed input), and every other file they hold is
named once, in one line on stderr. A file named on its own is read whatever its name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.readers import list_inputs
from tests.conftest import SEED_ARTICLE
from tests.llm_support import run_cli

STORY = "date 2024-03-01 Springfield: A fire hit a warehouse on Friday, officials said."
INPUTS = Path(__file__).parent / "data" / "inputs"
READ = ".txt, .jsonl, .ndjson, .html, .htm, .pdf, .rss, .atom, .xml feeds"


@pytest.fixture
def wire(tmp_path: Path) -> Path:
    folder = tmp_path / "wire"
    (folder / "2024").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "a.txt").write_bytes(SEED_ARTICLE.read_bytes())
    (folder / "b.jsonl").write_text(json.dumps({"id": "b-1", "text": STORY}) + "\n", "utf-8")
    (folder / "2024" / "c.txt").write_text(STORY, encoding="utf-8")
    (folder / "2024" / "notes.md").write_text("# notes", encoding="utf-8")
    (folder / "page.html").write_bytes((INPUTS / "harbour-fire.html").read_bytes())
    (folder / "2024" / "report.pdf").write_bytes((INPUTS / "bridge-report.pdf").read_bytes())
    (folder / "news.xml").write_bytes((INPUTS / "courier.rss").read_bytes())
    # An .xml file that is no feed is passed over, as other files are.
    (folder / "sitemap.xml").write_text(
        '<?xml version="1.0"?>\n<urlset><url><loc>https://a.example/</loc></url></urlset>',
        encoding="utf-8",
    )
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    # Hidden files are no one's articles: passed over without a word.
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / ".git" / "config").write_text("[core]", encoding="utf-8")
    return folder


def skipped_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Skipped ")]


def test_a_folder_yields_its_articles_and_names_the_other_files_once(wire: Path) -> None:
    result = run_cli(["--jsonl", str(wire)])

    assert result.exit_code == 0, result.stderr
    assert sorted(record["id"] for record in result.results) == [
        "a",
        "b-1",
        "c",
        "courier-2024-03-11-flood-wall",
        "courier-example-news-2024-03-12-ferry-aground",
        "page",
        "report",
    ]
    assert skipped_lines(result.stderr) == [
        f"Skipped 3 file(s) that are not articles ({READ}): "
        f"{wire / '2024' / 'notes.md'}, {wire / 'photo.png'}, {wire / 'sitemap.xml'}"
    ]


def test_a_glob_passes_over_folders_and_names_the_other_files_once(wire: Path) -> None:
    # wire/* matches the folder 2024 too: not an input, so not a failure.
    result = run_cli(["--jsonl", f"{wire}/*"])

    assert result.exit_code == 0, result.stderr
    assert sorted(record["id"] for record in result.results) == [
        "a",
        "b-1",
        "courier-2024-03-11-flood-wall",
        "courier-example-news-2024-03-12-ferry-aground",
        "page",
    ]
    assert skipped_lines(result.stderr) == [
        f"Skipped 2 file(s) that are not articles ({READ}): "
        f"{wire / 'photo.png'}, {wire / 'sitemap.xml'}"
    ]


def test_a_glob_of_other_files_only_says_so(wire: Path) -> None:
    result = run_cli(["--jsonl", f"{wire}/**/*.md"])

    assert result.exit_code == 1
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["error"]["message"] == (f"{wire}/**/*.md: no article file ({READ}) matches")
    assert len(skipped_lines(result.stderr)) == 1


def test_a_file_named_on_its_own_is_read_whatever_its_name(wire: Path) -> None:
    notes = wire / "2024" / "notes.md"
    notes.write_text(STORY, encoding="utf-8")

    result = run_cli(["--jsonl", str(notes), f"{wire}/2024/*"])

    # Named on its own and matched by the glob: read once by name, never called skipped.
    assert result.exit_code == 0, result.stderr
    assert sorted(record["id"] for record in result.results) == ["c", "notes", "report"]
    assert skipped_lines(result.stderr) == []


def test_many_passed_over_files_are_counted_past_the_first_five(tmp_path: Path) -> None:
    for number in range(8):
        (tmp_path / f"photo-{number}.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")

    result = run_cli(["--jsonl", str(tmp_path)])

    (line,) = skipped_lines(result.stderr)
    assert line.startswith("Skipped 8 file(s) that are not articles")
    assert line.endswith(f"{tmp_path / 'photo-4.jpg'} and 3 more")


def test_listing_inputs_reads_no_article(wire: Path) -> None:
    # Only an .xml file's first bytes are read, to tell a feed from other XML.
    found = list_inputs([str(wire), f"{wire}/*", "-", "missing.txt"])

    assert found.read[str(wire)] == [
        wire / "2024" / "c.txt",
        wire / "2024" / "report.pdf",
        wire / "a.txt",
        wire / "b.jsonl",
        wire / "news.xml",
        wire / "page.html",
    ]
    assert found.read[f"{wire}/*"] == [
        wire / "a.txt",
        wire / "b.jsonl",
        wire / "news.xml",
        wire / "page.html",
    ]
    assert found.read["missing.txt"] == [Path("missing.txt")]
    assert "-" not in found.read
    assert found.passed_over == [
        wire / "2024" / "notes.md",
        wire / "photo.png",
        wire / "sitemap.xml",
    ]
