"""The `summarize` command over the LLM backend: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import SEED_ARTICLE
from tests.llm_support import (
    SENTINEL_KEY,
    chat_requests,
    reply_with,
    run_cli,
    seed_payload,
    seed_reply,
    use_loopback,
)
from tests.loopback import Fault, LoopbackServer


def test_help_does_not_import_openai_or_instructor() -> None:
    heavy = "{'openai', 'instructor', 'genai_prices', 'bpe_openai'}"
    script = (
        "import sys\n"
        "from summarizer.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & {heavy})\n"
        "print('HEAVY', heavy)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )

    assert "Usage: summarize" in finished.stdout
    assert "HEAVY []" in finished.stdout


def test_help_shows_the_default_commands_options_and_the_commands() -> None:
    result = run_cli(["--help"])

    assert result.exit_code == 0
    options = result.stdout.split("Options of summarize FILE...")[1].split("Commands:")[0]
    for option in ("--jsonl", "-o, --output", "--html", "--concurrency", "--backend"):
        assert option in options, option
    commands = result.stdout.split("Commands:")[1]
    assert "eval" in commands and "cache" in commands
    # The group's -h is listed once, not again among the default command's options.
    assert result.stdout.count("-h, --help") == 1


@pytest.mark.parametrize(("typed", "meant"), [("evl", "eval"), ("chache", "cache")])
def test_a_mistyped_command_is_one_line_with_a_suggestion(typed: str, meant: str) -> None:
    result = run_cli([typed, "info"])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: No such file or command {typed!r}. Did you mean {meant!r}?\n"


def test_a_missing_file_far_from_any_command_is_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(["--backend", "offline", "evl.txt"])
    assert result.exit_code == 1
    assert result.error_lines == ["Error: evl.txt: No such file or directory"]

    # A file that is there is read, whatever its name is close to.
    (tmp_path / "evl").write_text(SEED_ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_cli(["--backend", "offline", "evl"]).exit_code == 0


def test_terminal_output_shows_headline_brief_and_events(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(seed_reply)

    result = run_cli([str(SEED_ARTICLE)])

    assert result.exit_code == 0, result.stderr
    assert seed_payload()["headline"] in result.stdout
    assert "Hashd Shaabi units on Thursday began" in result.stdout
    assert "2017-05-23" in result.stdout
    assert "battle" in result.stdout


def test_terminal_output_prints_square_brackets_literally(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(
        lambda request: reply_with(
            request, seed_payload(headline="[bold]Baaj[/bold] advance [Reuters]")
        )
    )

    result = run_cli([str(SEED_ARTICLE)])

    assert result.exit_code == 0, result.stderr
    assert "[bold]Baaj[/bold] advance [Reuters]" in result.stdout


def test_json_output_validates_against_the_printed_schema(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(seed_reply)

    schema_run = run_cli(["schema"])
    result = run_cli(["--json", str(SEED_ARTICLE)])

    assert schema_run.exit_code == 0
    assert result.exit_code == 0, result.stderr
    schema = json.loads(schema_run.stdout)
    document = json.loads(result.stdout)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    validator.validate(document)
    assert document["id"] == "iraq-baaj-offensive"
    assert document["published"] == "2017-05-25"
    quotes = [quote["text"] for quote in document["events"][0]["evidence"]]
    assert quotes == seed_payload()["events"][0]["evidence"]
    # The schema is strict enough to catch a broken result.
    broken = {**document, "events": [{**document["events"][0], "event_type": "war"}]}
    assert not validator.is_valid(broken)


def test_jsonl_prints_one_line_per_article(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(seed_reply)
    records = "\n".join(
        json.dumps({"id": name, "text": SEED_ARTICLE.read_text(encoding="utf-8") + suffix})
        for name, suffix in (("first", ""), ("second", "\n"))
    )

    result = run_cli(["--jsonl", "--ordered", "-"], stdin=records)

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["first", "second"]


def test_server_errors_give_one_error_line_and_exit_1(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_loopback(monkeypatch, loopback_server)
    # Retry-After: 0 keeps the test fast; the retries themselves are real.
    loopback_server.respond_with(lambda request: Fault(500, headers={"Retry-After": "0"}))

    result = run_cli([str(SEED_ARTICLE)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    (line,) = result.error_lines
    assert line == (
        f"Error: iraq-baaj-offensive: {loopback_server.base_url} failed after 4 request(s): "
        "HTTP 500: loopback fault: HTTP 500"
    )
    assert SENTINEL_KEY not in result.stderr
    # The default max_attempts, and not a request more: openai's own retries are off.
    assert len(chat_requests(loopback_server)) == 4


def test_openai_backend_without_an_endpoint_is_a_usage_error() -> None:
    result = run_cli(["--backend", "openai", str(SEED_ARTICLE)])

    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: no LLM endpoint configured: set OPENAI_API_KEY")
    assert "OPENAI_BASE_URL" in line


def test_base_url_flag_selects_the_llm(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    loopback_server.respond_with(seed_reply)

    result = run_cli(
        [
            "--jsonl",
            "--base-url",
            loopback_server.base_url,
            "--model",
            "flag-model",
            "--mode",
            "json_schema",
            str(SEED_ARTICLE),
        ]
    )

    assert result.exit_code == 0, result.stderr
    (request,) = chat_requests(loopback_server)
    assert request.body is not None
    assert request.body["model"] == "flag-model"
    assert request.body["response_format"]["type"] == "json_schema"
    assert json.loads(result.stdout)["model"] == "flag-model"
