"""A model that mostly fails: every failure is an error record with its attempts and tokens.

The first tests use the loopback server, replying as a small model does (JSON
that breaks the schema's checks), and run by default. The last one runs
`evals/real_server.sh` against llama.cpp's server with SmolLM2-135M: it needs the
`.venv-llama` environment the script describes and takes many minutes, so it is
marked `real_server` and runs only when SUMMARIZER_REAL_SERVER=1 is set.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from summarizer.evaluation import load_dataset
from tests.conftest import REPO_ROOT
from tests.eval_support import copy_seeds
from tests.llm_support import chat_requests, reply_with, run_cli
from tests.loopback import LoopbackServer, RecordedRequest, Reply

SMALL_SET = ["iraq-baaj-offensive", "syria-haritan-airstrikes"]
LLAMA_PYTHON = REPO_ROOT / ".venv-llama" / "bin" / "python"


def small_model_reply(request: RecordedRequest) -> Reply:
    """What SmolLM2-135M tends to send: the right shape, an invented quote, a long headline."""
    payload: dict[str, Any] = {
        "headline": "News " * 20,
        "brief": "The article is about news.",
        "events": [{"event_type": "other", "summary": "News.", "evidence": ["news happened"]}],
    }
    return reply_with(request, payload, usage=(900, 150))


@pytest.mark.parametrize("mode", ["tools", "json"])
def test_every_failure_is_a_record_with_attempts_and_tokens(
    loopback_server: LoopbackServer, tmp_path: Path, mode: str
) -> None:
    root = copy_seeds(tmp_path / "set", SMALL_SET)
    loopback_server.respond_with(small_model_reply)
    out = tmp_path / "out"

    result = run_cli(
        [
            "eval",
            str(root),
            "--base-url",
            loopback_server.base_url,
            "--mode",
            mode,
            "--max-reasks",
            "1",
            "--concurrency",
            "1",
            "--no-cache",
            "--out",
            str(out),
        ]
    )

    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["metrics"]["valid_rate"] == 0.0
    assert [article["id"] for article in report["articles"]] == SMALL_SET
    for article in report["articles"]:
        assert article["valid"] is False
        assert article["error"].startswith("no valid reply from")
        assert article["attempts"] == 2
        assert (article["tokens_in"], article["tokens_out"]) == (1800, 300)
    assert report["metrics"]["tokens_in"] == 3600
    assert len(chat_requests(loopback_server)) == 4


def test_the_requests_name_the_schema_the_server_is_to_follow(
    loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    """What a grammar-constrained server (llama.cpp) needs: the schema and the tool to call."""
    root = copy_seeds(tmp_path / "set", SMALL_SET[:1])
    loopback_server.respond_with(small_model_reply)
    for mode in ("tools", "json"):
        options = ["--mode", mode, "--max-reasks", "0", "--no-cache", "--out", str(tmp_path / mode)]
        run_cli(["eval", str(root), "--base-url", loopback_server.base_url, *options])
    tools, json_mode = (request.body or {} for request in chat_requests(loopback_server))
    (tool,) = tools["tools"]
    assert tools["tool_choice"] == {
        "type": "function",
        "function": {"name": tool["function"]["name"]},
    }
    assert "events" in tool["function"]["parameters"]["properties"]
    assert json_mode["response_format"] == {"type": "json_object"}
    assert "tools" not in json_mode


@pytest.mark.real_server
@pytest.mark.skipif(
    not os.environ.get("SUMMARIZER_REAL_SERVER"),
    reason="set SUMMARIZER_REAL_SERVER=1 to run the real llama.cpp server (many minutes)",
)
def test_a_real_small_model_ends_every_article_as_a_result_or_a_record(tmp_path: Path) -> None:
    if not LLAMA_PYTHON.exists():
        pytest.skip(f"{LLAMA_PYTHON} is missing: see evals/real_server.sh for the setup")
    seeds = len(load_dataset(REPO_ROOT / "seeds"))

    finished = subprocess.run(
        [str(REPO_ROOT / "evals" / "real_server.sh")],
        env={**os.environ, "OUT": str(tmp_path), "PORT": "8766"},
        capture_output=True,
        text=True,
        timeout=2 * 2400 + 300,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "Traceback" not in finished.stderr
    for mode in ("tools", "json"):
        line = re.search(rf"^{mode}: (\d+)/(\d+) valid", finished.stdout, re.MULTILINE)
        assert line is not None, finished.stdout
        assert int(line.group(2)) == seeds
        report = json.loads((tmp_path / mode / "report.json").read_text(encoding="utf-8"))
        for article in report["articles"]:
            assert article["valid"] or article["error"]
            assert article["attempts"] >= 1
