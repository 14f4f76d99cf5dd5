"""Backends as plugins: a third-party package found through the `summarizer.backends`
entry points runs through `summarize` and `summarize eval` as the built-ins do.

The package is tests/plugins/summarizer-echo. It is installed as pip would leave it,
minus the copying of files: a `.dist-info` holding the entry points its own
pyproject.toml declares, beside its module, in a folder on sys.path. importlib.metadata
finds it there as it finds any installed distribution.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from summarizer import Backend, BackendPlugin, Pipeline, get_backend, summarize
from summarizer.backends import plugins
from summarizer.backends.offline import OfflineBackend
from summarizer.errors import ConfigurationError
from summarizer.readers import read_article
from summarizer.settings import LLMOptions, LLMSettings
from summarizer.text import grounding_form
from tests.conftest import SEED_ARTICLE, SEEDS
from tests.llm_support import run_cli

ECHO_PACKAGE = Path(__file__).parent / "plugins" / "summarizer-echo"
SEED_ARTICLES = sorted((SEEDS / "articles").glob("*.txt"))


def echo_entry_points() -> dict[str, str]:
    """The entry points the echo package's pyproject.toml declares."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ECHO_PACKAGE / "pyproject.toml").read_text())["project"]
    return dict(project["entry-points"][plugins.ENTRY_POINT_GROUP])


def install_distribution(site: Path, name: str, entry_points: Mapping[str, str]) -> None:
    """A distribution's metadata in `site`, as an installer writes it."""
    dist_info = site / f"{name.replace('-', '_')}-0.1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n", encoding="utf-8"
    )
    lines = [f"[{plugins.ENTRY_POINT_GROUP}]"]
    lines += [f"{backend} = {target}" for backend, target in entry_points.items()]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path for distributions the test installs; gone with the test."""
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    plugins._entry_points.cache_clear()
    yield folder
    plugins._entry_points.cache_clear()
    sys.modules.pop("summarizer_echo", None)


@pytest.fixture
def echo_installed(site: Path) -> Path:
    """summarizer-echo installed: its module and its metadata in `site`."""
    install_distribution(site, "summarizer-echo", echo_entry_points())
    shutil.copy(ECHO_PACKAGE / "summarizer_echo.py", site)
    return site


def test_the_built_in_backends_are_found_through_the_entry_points() -> None:
    entry_points = importlib_entry_points()

    assert entry_points == {
        "offline": "summarizer.backends.offline.plugin:plugin",
        "openai": "summarizer.backends.llm_plugin:plugin",
    }
    assert plugins.installed_backends() == ["offline", "openai"]
    assert isinstance(get_backend("offline"), OfflineBackend)


def importlib_entry_points() -> dict[str, str]:
    import importlib.metadata

    found = importlib.metadata.entry_points(group=plugins.ENTRY_POINT_GROUP)
    return {entry_point.name: entry_point.value for entry_point in found}


def test_an_installed_plugin_summarizes_through_the_cli(echo_installed: Path) -> None:
    result = run_cli(["--backend", "echo", "--json", str(SEED_ARTICLE)])

    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["backend"], summary["model"], summary["prompt_version"]) == (
        "echo",
        None,
        "echo-1",
    )
    (event,) = summary["events"]
    # The article's first sentence, located by the pipeline's check of the echo's answer.
    (quote,) = event["evidence"]
    assert quote["text"].startswith("Iraqi paramilitary Hashd Shaabi units on Thursday")
    assert quote["text"].endswith("from the Iraqi side of the border.")
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    located = text[quote["start"] : quote["end"]]
    assert grounding_form(located) == grounding_form(quote["text"])
    assert plugins.installed_backends() == ["echo", "offline", "openai"]


def test_an_installed_plugin_runs_an_eval(echo_installed: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval-out"

    result = run_cli(["eval", str(SEEDS), "--backend", "echo", "--no-cache", "--out", str(out)])

    assert result.exit_code == 0, result.stderr
    assert "Evaluating echo (no model) on 20 articles" in result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["backend"] == "echo"
    # Every article answered validly, with one event each, scored against the labels.
    metrics = report["metrics"]
    assert (metrics["valid_articles"], metrics["evidence_grounded"]) == (20, 1.0)
    assert metrics["true_positives"] + metrics["false_positives"] == 20


def test_an_installed_plugin_is_found_by_a_new_process(echo_installed: Path) -> None:
    summarize_command = Path(sys.executable).with_name("summarize")
    environment = {**os.environ, "PYTHONPATH": str(echo_installed)}

    finished = subprocess.run(
        [str(summarize_command), "--backend", "echo", "--jsonl", str(SEED_ARTICLE)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["backend"] == "echo"


def test_a_plugin_answers_by_default_only_when_it_ranks_itself(echo_installed: Path) -> None:
    # The echo's plugin gives no default rank: without a name the built-ins choose.
    assert summarize(SEED_ARTICLE.read_text(), cache=False).backend == "offline"
    assert summarize(SEED_ARTICLE.read_text(), backend="echo", cache=False).backend == "echo"


class EagerBackend(OfflineBackend):
    """The offline extractor under a plugin's own name."""

    name = "eager"


# A plugin that wants to answer whenever no model is asked for: above the offline
# extractor, below a configured LLM.
def eager_rank(settings: LLMSettings | None, options: LLMOptions) -> int:
    return 50


def make_eager(settings: LLMSettings | None, options: LLMOptions) -> Backend:
    return EagerBackend()


def make_offline(settings: LLMSettings | None, options: LLMOptions) -> Backend:
    return OfflineBackend()


def make_nothing(settings: LLMSettings | None, options: LLMOptions) -> Backend:
    return object()  # type: ignore[return-value]  # what the plugin's check is for


EAGER = BackendPlugin(name="eager", create=make_eager, default_rank=eager_rank)
MISNAMED = BackendPlugin(name="misnamed", create=make_offline)
NOT_A_BACKEND = BackendPlugin(name="not-a-backend", create=make_nothing)
NOT_A_PLUGIN = "a string is no BackendPlugin"


def test_the_highest_rank_answers_when_no_backend_is_named(
    echo_installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_distribution(echo_installed, "summarizer-eager", {"eager": f"{__name__}:EAGER"})

    assert get_backend().name == "eager"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert plugins.choose_plugin(None, options={}).name == "openai"
    # An option only a model takes leaves out a plugin that does not take it.
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert plugins.choose_plugin(None, options={"model": "m"}).name == "openai"


@pytest.mark.parametrize(
    ("name", "target", "message"),
    [
        (
            "broken",
            "summarizer_not_installed:plugin",
            "the backend plugin 'broken' (summarizer_not_installed:plugin) cannot be loaded: "
            "No module named 'summarizer_not_installed'",
        ),
        (
            "stringly",
            f"{__name__}:NOT_A_PLUGIN",
            f"the backend plugin 'stringly' ({__name__}:NOT_A_PLUGIN) is a str, not a "
            "summarizer BackendPlugin",
        ),
        (
            "alias",
            f"{__name__}:EAGER",
            f"the entry point 'alias' ({__name__}:EAGER) holds the plugin of 'eager'",
        ),
        (
            "misnamed",
            f"{__name__}:MISNAMED",
            "the misnamed backend plugin made a backend named 'offline'",
        ),
        (
            "not-a-backend",
            f"{__name__}:NOT_A_BACKEND",
            "the not-a-backend backend plugin made a object, which is not a Backend "
            "(name, model, prompt_version, settings, extract, aextract)",
        ),
    ],
)
def test_a_faulty_plugin_is_one_line_naming_it(
    site: Path, name: str, target: str, message: str
) -> None:
    install_distribution(site, f"summarizer-{name}", {name: target})

    result = run_cli(["--backend", name, str(SEED_ARTICLE)])

    assert result.exit_code != 0
    assert result.stderr.strip().splitlines()[-1].endswith(message)
    assert "Traceback" not in result.stderr


def test_two_packages_registering_one_name_are_refused(site: Path) -> None:
    install_distribution(site, "summarizer-one", {"twin": f"{__name__}:EAGER"})
    install_distribution(site, "summarizer-two", {"twin": f"{__name__}:MISNAMED"})

    with pytest.raises(ConfigurationError, match="two packages register the backend 'twin'"):
        get_backend("offline")


def test_a_backend_that_runs_no_batch_jobs_is_refused_for_one(
    echo_installed: Path, tmp_path: Path
) -> None:
    result = run_cli(
        ["batch", "export", "--job", str(tmp_path / "job"), "--backend", "echo", str(SEED_ARTICLE)]
    )

    assert result.exit_code != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: the echo backend runs no batch jobs; installed backends that do: openai"
    )


def test_the_documented_example_plugin_answers_every_seed() -> None:
    page = (SEEDS.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", page, re.DOTALL)
    assert example is not None
    namespace: dict[str, Any] = {}
    exec(compile(example[1], "docs/plugins.md", "exec"), namespace)

    plugin = namespace["plugin"]
    with Pipeline(plugin.build(None, {})) as pipeline:
        results = [pipeline.run(read_article(path)).summary for path in SEED_ARTICLES]

    assert len(SEED_ARTICLES) == 20
    assert [result.backend for result in results] == ["echo"] * 20
    assert all(len(result.events) == 1 for result in results)
