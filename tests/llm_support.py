"""What the LLM-path tests share: replies for the loopback server, settings, a CLI runner.

Replies are small but realistic: every evidence quote is copied from the article
the request carries, so they pass the output validators unless a test breaks them
on purpose.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer.cli import main
from summarizer.settings import LLMSettings
from tests.loopback import LoopbackServer, RecordedRequest, Reply

# A key that is easy to grep for and that no real service would issue.
SENTINEL_KEY = "sk-SENTINEL-abc123"
LOOPBACK_MODEL = "loopback-model"

_SEED_PAYLOAD: dict[str, Any] = {
    "headline": "Iraqi paramilitary units advance on IS-held Baaj near Syrian border",
    "brief": (
        "Hashd Shaabi units on Thursday began an advance to recapture the IS-held town "
        "of Baaj, about 25 km west of al-Qairwan. Backed by army helicopter gunships, "
        "they freed four villages."
    ),
    "events": [
        {
            "event_type": "battle",
            "sub_event_type": "Non-state actor overtakes territory",
            "date": "2017-05-25",
            "location": {"name": "Baaj", "country": "Iraq"},
            "actors": ["Hashd Shaabi", "Islamic State"],
            "fatalities": None,
            "summary": "Hashd Shaabi units launched an advance to retake Baaj from Islamic State.",
            "evidence": [
                "Iraqi paramilitary Hashd Shaabi units on Thursday initiated a new advance",
                "freed four villages in west of al-Qairwan",
            ],
        },
        {
            "event_type": "battle",
            "date": "2017-05-23",
            "location": {"name": "al-Qairwan", "country": "Iraq"},
            "actors": ["Hashd Shaabi", "Islamic State"],
            "summary": "Hashd Shaabi units took al-Qairwan and surrounding villages from IS.",
            "evidence": [
                "The Hashd Shaabi units on Tuesday liberated al-Qairwan and many villages "
                "around the town from the IS"
            ],
        },
        {
            "event_type": "explosion_remote_violence",
            "sub_event_type": "Air/drone strike",
            "date": "2017-05-25",
            "location": {"name": "al-Qairwan", "country": "Iraq"},
            "actors": ["Iraqi Army", "Islamic State"],
            "summary": "Army helicopter gunships destroyed a booby-trapped car.",
            "evidence": [
                "The helicopter gunships destroyed a booby-trapped car during the fighting "
                "with the IS"
            ],
        },
    ],
}


def seed_payload(**changes: Any) -> dict[str, Any]:
    """A valid extraction of the seed article, with top-level fields replaced."""
    return {**copy.deepcopy(_SEED_PAYLOAD), **changes}


def with_evidence(payload: dict[str, Any], quotes: list[str]) -> dict[str, Any]:
    """The payload with its first event's evidence replaced."""
    changed = copy.deepcopy(payload)
    changed["events"][0]["evidence"] = quotes
    return changed


def messages(request: RecordedRequest) -> list[dict[str, Any]]:
    assert request.body is not None, "the request body was not JSON"
    return list(request.body["messages"])


def system_message(request: RecordedRequest) -> str:
    return str(messages(request)[0]["content"])


def user_message(request: RecordedRequest) -> str:
    """The user message that carries the article (the first user message)."""
    return next(str(m["content"]) for m in messages(request) if m["role"] == "user")


def article_block(request: RecordedRequest) -> str:
    """The text between <article-BOUNDARY> and </article-BOUNDARY> of the user message."""
    found = re.search(r"<article-(\w+)>\n(.*)\n</article-\1>", user_message(request), re.DOTALL)
    assert found, "no <article-...> block in the user message"
    return found.group(2)


def asks_for_fenced_json(request: RecordedRequest) -> bool:
    """md_json: neither tools nor response_format; the reply goes in a ```json block."""
    body = request.body or {}
    return "tools" not in body and "response_format" not in body


def reply_with(request: RecordedRequest, payload: dict[str, Any], **options: Any) -> Reply:
    """`payload` shaped as the request's mode expects it."""
    if asks_for_fenced_json(request):
        return Reply(f"```json\n{json.dumps(payload)}\n```", **options)
    return Reply(payload, **options)


def valid_reply(request: RecordedRequest) -> Reply:
    """A valid extraction of whatever article the request carries (a loopback responder)."""
    words = article_block(request).split()
    quote = " ".join(words[:6])
    payload = {
        "headline": "A news article",
        "brief": "Something happened.",
        "events": [
            {
                "event_type": "other",
                "summary": "Something happened.",
                "evidence": [quote],
            }
        ],
    }
    return reply_with(request, payload)


def quoting_payload(quotes: list[str]) -> dict[str, Any]:
    """An extraction of one event resting on `quotes` (quotes of the article asked about)."""
    return {
        "headline": "Damage reported",
        "brief": "Damage was reported.",
        "events": [
            {"event_type": "disaster", "summary": "Damage was reported.", "evidence": quotes}
        ],
    }


def seed_reply(request: RecordedRequest) -> Reply:
    """The seed article's extraction (a loopback responder)."""
    return reply_with(request, seed_payload())


def llm_settings(server: LoopbackServer, **changes: Any) -> LLMSettings:
    """Settings for the loopback server, with short timeouts and backoffs for fast tests."""
    options: dict[str, Any] = {
        "model": LOOPBACK_MODEL,
        "base_url": server.base_url,
        "api_key": SENTINEL_KEY,
        "timeout": 2.0,
        "retry_backoff": 0.01,
        "max_retry_seconds": 10.0,
        **changes,
    }
    return LLMSettings(**options)


def use_loopback(monkeypatch: pytest.MonkeyPatch, server: LoopbackServer) -> None:
    """Point the CLI (through the environment) at the loopback server."""
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    monkeypatch.setenv("SUMMARIZER_MODEL", LOOPBACK_MODEL)


def chat_requests(server: LoopbackServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.path.endswith("/chat/completions")]


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("Error:")]

    @property
    def results(self) -> list[dict[str, Any]]:
        """The summaries among the JSON lines of `--jsonl` (which also carries error records)."""
        records = [json.loads(line) for line in self.stdout.splitlines() if line.strip()]
        return [record for record in records if "error" not in record]


def run_cli(args: list[str], stdin: bytes | str | None = None) -> CliResult:
    """`summarize ARGS` through the console script's entry point, exit code included.

    CliRunner.invoke would run the click group in standalone mode, which drops the
    exit code a command returns and bypasses the error handling of `main`.
    """
    runner = CliRunner()
    with runner.isolation(input=stdin) as (stdout, stderr, _):
        try:
            main(args)
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        else:  # main always exits; reaching here is a bug in it
            code = -1
    return CliResult(code, stdout.getvalue().decode(), stderr.getvalue().decode())


def capture_all_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Record every log record at DEBUG, the HTTP and LLM libraries' included.

    The CLI quietens instructor for the whole process; this undoes that for a test.
    """
    caplog.set_level(logging.DEBUG)
    for name in ("instructor", "openai", "httpx2", "httpcore2"):
        caplog.set_level(logging.DEBUG, logger=name)
