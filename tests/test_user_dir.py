"""Where the user directory is, and that only writing a result creates anything in it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from summarizer.paths import user_dir
from tests.conftest import SEED_ARTICLE
from tests.llm_support import run_cli


@pytest.fixture
def platform_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of our own with no SUMMARIZER_HOME and no XDG folders set."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("SUMMARIZER_HOME")
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return home


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def test_summarizer_home_wins_and_may_start_with_a_tilde(
    platform_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(platform_home / "data"))
    monkeypatch.setenv("SUMMARIZER_HOME", "~/own")

    assert user_dir() == platform_home / "own"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG layout is Linux's")
def test_on_linux_the_user_directory_follows_xdg(
    platform_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert user_dir() == platform_home / ".local" / "share" / "summarizer"

    monkeypatch.setenv("XDG_DATA_HOME", str(platform_home / "data"))

    assert user_dir() == platform_home / "data" / "summarizer"


def test_cache_info_cache_clear_and_a_run_on_a_missing_file_create_nothing(
    platform_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)

    info = run_cli(["cache", "info"])
    cleared = run_cli(["cache", "clear"])
    missing = run_cli(["missing.txt"])

    assert info.exit_code == 0, info.stderr
    assert f"directory: {user_dir() / 'cache'}" in info.stdout
    assert "results:   0" in info.stdout
    assert cleared.exit_code == 0, cleared.stderr
    assert cleared.stdout.startswith("removed 0 cached result(s)")
    assert missing.exit_code == 1
    assert [line for line in missing.stderr.splitlines() if line.startswith("Error:")] == [
        "Error: missing.txt: No such file or directory"
    ]
    assert files_under(tmp_path) == [platform_home]


def test_the_first_result_creates_the_cache_in_the_user_directory(platform_home: Path) -> None:
    result = run_cli(["--jsonl", str(SEED_ARTICLE)])

    assert result.exit_code == 0, result.stderr
    assert user_dir().is_relative_to(platform_home)
    assert (user_dir() / "cache").is_dir()
    assert "results:   1" in run_cli(["cache", "info"]).stdout
