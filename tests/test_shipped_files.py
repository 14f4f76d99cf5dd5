"""Files the project ships name no folder of the machine they were made on."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO_ROOT

# Where a machine keeps its work and its users: /work/wt/..., /tmp/pytest-..., /home/ana.
# The mark before the slash keeps URLs (https://x.org/home/...) and relative paths out.
MACHINE_PATH = re.compile(
    r"(?<![\w.~/:-])/(?:work|tmp|root|home|Users|private/var|var/folders)/"
    r"|\b[A-Z]:\\\\?Users\\"
)
SHIPPED = [
    "README.md",
    "evals/*.json",
    "docs/**/*.md",
    "prompts/**/*",
    "seeds/**/*",
    # The package's own data: templates, review page assets, gazetteers.
    "summarizer/**/*.html",
    "summarizer/**/*.css",
    "summarizer/**/*.js",
    "summarizer/**/*.txt",
]


def shipped_files() -> list[Path]:
    return sorted(
        {path for pattern in SHIPPED for path in REPO_ROOT.glob(pattern) if path.is_file()}
    )


def test_shipped_files_name_no_machine_path() -> None:
    files = shipped_files()
    assert REPO_ROOT / "evals" / "offline-baseline.json" in files
    assert len(files) > 40  # the seeds alone are 40 files

    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {match.group()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for match in MACHINE_PATH.finditer(line)
    ]

    assert found == []


def test_the_pattern_finds_machine_paths_and_spares_urls() -> None:
    for text in (
        '"dataset": "/work/wt/issue13/seeds"',
        "see /tmp/pytest-of-root/x",
        "/home/ana/news",
        "C:\\Users\\ana\\news",
        '"cache": "/root/.local/share/summarizer/cache"',
    ):
        assert MACHINE_PATH.search(text), text
    for text in ("https://example.org/home/news", "seeds/articles/x.txt", "~/work/", "a/tmp/b"):
        assert not MACHINE_PATH.search(text), text
