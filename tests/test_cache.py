"""The result cache in front of the LLM backend: hits cost no request, any change misses."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer import prompts
from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.cache import ResultCache, cache_key, inspect_cache
from summarizer.errors import InvalidOutputError
from summarizer.pipeline import Pipeline, summarize
from summarizer.readers import read_article
from summarizer.schema import Evidence
from summarizer.settings import Mode
from tests.conftest import REPO_ROOT, SEED_ARTICLE
from tests.llm_support import (
    chat_requests,
    llm_settings,
    reply_with,
    run_cli,
    seed_payload,
    seed_reply,
    use_loopback,
    valid_reply,
    with_evidence,
)
from tests.loopback import LoopbackServer


@pytest.fixture
def seed() -> Article:
    return read_article(SEED_ARTICLE)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[ResultCache]:
    with ResultCache(tmp_path / "cache") as opened:
        yield opened


def pipeline(server: LoopbackServer, cache: ResultCache, **changes: Any) -> Pipeline:
    return Pipeline(LLMBackend(llm_settings(server, **changes)), cache)


def test_a_second_identical_call_makes_no_request(
    loopback_server: LoopbackServer, seed: Article, tmp_path: Path
) -> None:
    loopback_server.respond_with(seed_reply)
    backend = LLMBackend(llm_settings(loopback_server))

    first = summarize(seed, backend=backend, cache_dir=tmp_path)
    # A new backend object, as a new process would build it.
    again = summarize(seed, backend=LLMBackend(llm_settings(loopback_server)), cache_dir=tmp_path)

    assert len(chat_requests(loopback_server)) == 1
    assert again == first
    assert again.usage == first.usage


def test_a_hit_says_so_and_keeps_the_callers_id(
    loopback_server: LoopbackServer, seed: Article, cache: ResultCache
) -> None:
    loopback_server.respond_with(seed_reply)
    runner = pipeline(loopback_server, cache)
    same_text = Article.from_text(seed.text, id="from-stdin")

    miss, hit = runner.run(seed), runner.run(same_text)

    assert (miss.cached, hit.cached) == (False, True)
    assert hit.summary.id == "from-stdin"
    assert hit.summary.model_dump(exclude={"id"}) == miss.summary.model_dump(exclude={"id"})
    assert len(chat_requests(loopback_server)) == 1


@pytest.mark.parametrize(
    "change",
    [{"model": "another-model"}, {"mode": Mode.JSON_SCHEMA}, {"temperature": 0.7}],
    ids=["model", "mode", "temperature"],
)
def test_changing_a_generation_setting_misses(
    loopback_server: LoopbackServer,
    seed: Article,
    cache: ResultCache,
    change: dict[str, Any],
) -> None:
    loopback_server.respond_with(seed_reply)

    pipeline(loopback_server, cache).run(seed)
    outcome = pipeline(loopback_server, cache, **change).run(seed)

    assert not outcome.cached
    assert len(chat_requests(loopback_server)) == 2
    assert cache.info().entries == 2


def test_changing_the_article_text_misses(
    loopback_server: LoopbackServer, seed: Article, cache: ResultCache
) -> None:
    loopback_server.respond_with(valid_reply)
    runner = pipeline(loopback_server, cache)
    edited = Article.from_text(seed.text.replace("four villages", "five villages"))

    runner.run(seed)
    outcome = runner.run(edited)

    assert not outcome.cached
    assert len(chat_requests(loopback_server)) == 2


@pytest.fixture
def edited_prompt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A copy of the templates with one more sentence in the system prompt, chosen
    through $SUMMARIZER_PROMPTS as an installed user would."""
    folder = tmp_path / "prompts"
    shutil.copytree(prompts.template_dir(), folder)
    system = folder / "extract.system.j2"
    system.write_text(system.read_text(encoding="utf-8") + "\nBe concise.\n", encoding="utf-8")
    monkeypatch.setenv(prompts.PROMPTS_ENV, str(folder))
    yield


def test_changing_the_prompt_template_misses(
    loopback_server: LoopbackServer,
    seed: Article,
    cache: ResultCache,
    request: pytest.FixtureRequest,
) -> None:
    loopback_server.respond_with(seed_reply)
    before = pipeline(loopback_server, cache).run(seed).summary

    request.getfixturevalue("edited_prompt")
    outcome = pipeline(loopback_server, cache).run(seed)

    assert not outcome.cached
    assert outcome.summary.prompt_version != before.prompt_version
    first, second = chat_requests(loopback_server)
    assert "Be concise." not in str(first.body)
    assert "Be concise." in str(second.body)


def test_the_key_holds_settings_but_no_secret(loopback_server: LoopbackServer) -> None:
    backend = LLMBackend(llm_settings(loopback_server))
    other_key = LLMBackend(llm_settings(loopback_server, api_key="sk-another-key-000"))
    article = Article.from_text("Troops advanced on the town.")

    assert cache_key(article, backend) == cache_key(article, other_key)
    assert "api_key" not in backend.settings
    assert backend.settings["base_url"] == loopback_server.base_url


def test_a_stored_result_that_fails_todays_validators_is_a_miss(
    loopback_server: LoopbackServer, seed: Article, cache: ResultCache
) -> None:
    loopback_server.respond_with(seed_reply)
    runner = pipeline(loopback_server, cache)
    good = runner.run(seed).summary
    stale = good.model_copy(
        update={
            "events": [
                good.events[0].model_copy(
                    update={"evidence": [Evidence(text="not in it", start=0, end=9)]}
                )
            ]
        }
    )
    cache.put(cache_key(seed, runner.backend), stale)

    outcome = runner.run(seed)

    assert not outcome.cached
    assert outcome.summary == good
    assert len(chat_requests(loopback_server)) == 2


def test_failures_are_not_cached(
    loopback_server: LoopbackServer, seed: Article, cache: ResultCache
) -> None:
    invented = with_evidence(seed_payload(), ["Baaj fell on Monday"])
    loopback_server.respond_with(lambda request: reply_with(request, invented))
    runner = pipeline(loopback_server, cache, max_reasks=0)

    for _ in range(2):
        with pytest.raises(InvalidOutputError):
            runner.run(seed)

    assert len(chat_requests(loopback_server)) == 2
    assert cache.info().entries == 0


# -- through the CLI ----------------------------------------------------------------


def test_cli_caches_and_no_cache_bypasses(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(seed_reply)
    cache_dir = tmp_path / "cli-cache"
    args = ["--jsonl", "--cache-dir", str(cache_dir), str(SEED_ARTICLE)]

    first, second = run_cli(args), run_cli(args)
    bypass = run_cli(["--no-cache", *args])

    assert [r.exit_code for r in (first, second, bypass)] == [0, 0, 0]
    assert first.stdout == second.stdout == bypass.stdout
    assert len(chat_requests(loopback_server)) == 2
    with ResultCache(cache_dir) as cache:
        assert cache.info().entries == 1


def test_cache_info_and_clear(
    loopback_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    isolated_user_dir: Path,
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(seed_reply)
    default_dir = isolated_user_dir / "cache"

    assert run_cli(["--jsonl", str(SEED_ARTICLE)]).exit_code == 0
    info = run_cli(["cache", "info"])
    cleared = run_cli(["cache", "clear", "--yes"])
    after = run_cli(["cache", "info"])

    assert info.exit_code == cleared.exit_code == after.exit_code == 0
    assert f"directory: {default_dir}" in info.stdout
    assert "results:   1" in info.stdout
    assert cleared.stdout.strip() == f"removed 1 cached result(s) from {default_dir}"
    assert "results:   0" in after.stdout
    assert run_cli(["--jsonl", str(SEED_ARTICLE)]).exit_code == 0
    assert len(chat_requests(loopback_server)) == 2


def test_cache_dir_from_the_environment(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "env-cache"))
    loopback_server.respond_with(seed_reply)

    assert run_cli(["--jsonl", str(SEED_ARTICLE)]).exit_code == 0
    info = run_cli(["cache", "info"])

    assert f"directory: {tmp_path / 'env-cache'}" in info.stdout
    assert "results:   1" in info.stdout


# -- cache clear: asks first, and can clear one model's or backend's results ----------


def fill_three_makers(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    """A cache folder with one result each from two models on the LLM backend and one
    offline."""
    cache_dir = tmp_path / "cache"
    use_loopback(monkeypatch, server)
    server.respond_with(seed_reply)
    for extra in (["--model", "model-a"], ["--model", "model-b"], ["--backend", "offline"]):
        done = run_cli(["--jsonl", "--cache-dir", str(cache_dir), *extra, str(SEED_ARTICLE)])
        assert done.exit_code == 0, done.stderr
    assert inspect_cache(cache_dir).entries == 3
    return cache_dir


def test_cache_clear_off_a_terminal_needs_yes(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache_dir = fill_three_makers(loopback_server, monkeypatch, tmp_path)

    refused = run_cli(["cache", "clear", "--cache-dir", str(cache_dir)])

    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "Error: not deleting all 3 cached result(s) without confirmation: pass --yes"
    ]
    assert inspect_cache(cache_dir).entries == 3


def test_cache_clear_of_one_model_or_backend_keeps_the_others(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache_dir = fill_three_makers(loopback_server, monkeypatch, tmp_path)
    folder = ["--cache-dir", str(cache_dir)]

    by_model = run_cli(["cache", "clear", "--yes", "--model", "model-b", *folder])
    unknown = run_cli(["cache", "clear", "--yes", "--model", "model-z", *folder])
    by_backend = run_cli(["cache", "clear", "--yes", "--backend", "offline", *folder])

    assert by_model.stdout.strip() == f"removed 1 cached result(s) from {cache_dir}"
    assert unknown.stdout.strip() == f"removed 0 cached result(s) from {cache_dir}"
    assert by_backend.stdout.strip() == f"removed 1 cached result(s) from {cache_dir}"
    requests = len(chat_requests(loopback_server))
    again = run_cli(["--jsonl", *folder, "--model", "model-a", str(SEED_ARTICLE)])
    assert again.exit_code == 0 and len(chat_requests(loopback_server)) == requests  # kept
    assert inspect_cache(cache_dir).entries == 1


@pytest.mark.parametrize(("answer", "left"), [(b"n\n", 3), (b"y\n", 0)])
def test_cache_clear_asks_on_a_terminal(
    loopback_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    answer: bytes,
    left: int,
) -> None:
    cache_dir = fill_three_makers(loopback_server, monkeypatch, tmp_path)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from summarizer.cli import main; main()", "cache", "clear"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=REPO_ROOT,
        env={**os.environ, "SUMMARIZER_CACHE_DIR": str(cache_dir)},
    )
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + 60
    while b"[y/N]" not in shown and time.monotonic() < deadline:
        if select.select([controller], [], [], 0.1)[0]:
            shown += os.read(controller, 4096)
    os.write(controller, answer)
    assert process.wait(timeout=60) == 0
    os.close(controller)

    assert f"Delete all 3 cached result(s) in {cache_dir}? [y/N]".encode() in shown
    assert inspect_cache(cache_dir).entries == left
