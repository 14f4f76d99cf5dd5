"""Every relative link of README.md and docs/*.md names a file that exists, and an
anchor that a heading of the target makes (as mkdocs' toc extension makes them).

`mkdocs build --strict` checks the docs' links too, in CI; this test also covers the
README, which is not a page of the site, and runs in a plain `pytest`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)\)")
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.MULTILINE)


def anchor(heading: str) -> str:
    """The id mkdocs' toc gives a heading: lower case, markup and punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s]+", "-", text.strip())


def anchors(page: Path) -> set[str]:
    text = FENCED.sub("", page.read_text(encoding="utf-8"))
    return {anchor(heading) for heading in HEADING.findall(text)}


def relative_links(page: Path) -> list[str]:
    text = FENCED.sub("", page.read_text(encoding="utf-8"))
    return [
        match["target"]
        for match in LINK.finditer(text)
        if not re.match(r"[a-z]+:", match["target"])  # http:, https:, mailto:
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        path_part, _, fragment = target.partition("#")
        target_file = (page.parent / path_part).resolve() if path_part else page
        if not target_file.is_file():
            broken.append(f"{target}: no such file")
        elif fragment and target_file.suffix == ".md" and fragment not in anchors(target_file):
            broken.append(f"{target}: no heading makes #{fragment}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_readme_stays_short() -> None:
    assert len((REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 150


def test_anchors_are_made_as_mkdocs_makes_them() -> None:
    assert (
        anchor("Batch runs: many articles, `nothing` lost")
        == "batch-runs-many-articles-nothing-lost"
    )
    assert anchor("The output") == "the-output"
