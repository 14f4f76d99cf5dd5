"""docs/cli.md is the commands' help, every command's, and never drifts from it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import click

from summarizer.cli import cli
from summarizer.cli.docs import REGENERATE, render_reference
from tests.conftest import REPO_ROOT

CLI_DOCS = REPO_ROOT / "docs" / "cli.md"
END = "-- end of help --"
SECTION = re.compile(r"^## `(?P<path>[^`]+)`\n\n```text\n(?P<help>.*?)\n```$", re.M | re.S)


def test_the_committed_reference_is_the_generated_one() -> None:
    committed = CLI_DOCS.read_text(encoding="utf-8") if CLI_DOCS.exists() else ""

    assert committed == render_reference(), f"docs/cli.md is out of date; run: {REGENERATE}"


def test_each_section_is_what_the_command_prints_for_help() -> None:
    sections = SECTION.findall(render_reference())
    # One process asks each command for its help, on a terminal wider than the help.
    script = (
        "import sys\n"
        "from summarizer.cli import main\n"
        "for words in sys.argv[1:]:\n"
        "    try:\n"
        "        main([*words.split(), '--help'])\n"
        "    except SystemExit as done:\n"
        "        assert done.code == 0, (words, done.code)\n"
        f"    print({END!r})\n"
    )
    arguments = [" ".join(path.split()[1:]) for path, _ in sections]
    finished = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "120"},
    )

    assert [path for path, _ in sections][:2] == ["summarize", "summarize batch"]
    shown = finished.stdout.split(f"{END}\n")
    assert shown == [f"{help_text}\n" for _, help_text in sections] + [""]


def test_a_command_added_later_appears_without_changing_the_generator() -> None:
    @cli.group("extra")
    def extra_group() -> None:
        """A group added after the generator was written."""

    @extra_group.command("deep")
    @click.option("--depth", type=int, help="How deep it goes.")
    def deep_command(depth: int | None) -> None:
        """A subcommand of the added group."""

    try:
        reference = render_reference()
    finally:
        del cli.commands["extra"]

    assert "## `summarize extra deep`" in reference
    assert "--depth INTEGER  How deep it goes." in reference
    assert "A group added after the generator was written." in reference
    assert "## `summarize extra`" not in render_reference()
