"""A codebook through the run path: requests, re-asks, results, cache, CLI and batch jobs.

Every LLM exchange goes through the loopback server with the real openai and
instructor clients; the codebooks are the example protest codebook and the
built-in `acled`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import Article, Codebook, summarize
from summarizer.backends.llm import LLMBackend
from summarizer.cache import ResultCache, cache_key
from summarizer.errors import ConfigurationError
from summarizer.pipeline import open_pipeline
from summarizer.settings import Mode
from tests.llm_support import (
    chat_requests,
    llm_settings,
    reply_with,
    run_cli,
    system_message,
    use_loopback,
)
from tests.loopback import LoopbackServer, RecordedRequest, Reply

PROTEST_FILE = Path(__file__).parent.parent / "examples" / "codebooks" / "protest.yaml"

# Invented articles; published on a Monday.
MARCH = (
    "date 2024-03-04 Nairobi: About 300 teachers marched through Nairobi on Monday to "
    "demand higher pay, in a protest called by the Kenya National Union of Teachers. "
    "Police fired tear gas to disperse the crowd near parliament, and arrested 12 people."
)
RALLY = (
    "date 2024-03-04 Kisumu: Some 150 nurses rallied outside the county offices in "
    "Kisumu on Monday over unpaid allowances. Police watched but did not intervene."
)

MARCH_EVIDENCE = "About 300 teachers marched through Nairobi on Monday to demand higher pay"


def march_payload(**event_changes: Any) -> dict[str, Any]:
    """A valid protest-codebook extraction of MARCH, its event's fields replaced."""
    event: dict[str, Any] = {
        "event_type": "demonstration",
        "sub_event_type": "march",
        "date": "2024-03-04",
        "location": {"name": "Nairobi", "country": "Kenya"},
        "actors": ["Kenya National Union of Teachers", "Police"],
        "fatalities": None,
        "crowd_size": 300,
        "claims": ["higher pay"],
        "police_response": ["tear_gas", "arrests"],
        "organizer": "Kenya National Union of Teachers",
        "protester_violence": False,
        "summary": "Teachers marched through Nairobi to demand higher pay.",
        "evidence": [MARCH_EVIDENCE],
    }
    event.update(event_changes)
    return {
        "headline": "Teachers march in Nairobi over pay",
        "brief": "About 300 teachers marched through Nairobi on Monday to demand higher pay.",
        "events": [event],
    }


def rally_payload() -> dict[str, Any]:
    return {
        "headline": "Nurses rally in Kisumu",
        "brief": "Some 150 nurses rallied in Kisumu on Monday over unpaid allowances.",
        "events": [
            {
                "event_type": "demonstration",
                "sub_event_type": "rally",
                "date": "2024-03-04",
                "location": {"name": "Kisumu", "country": "Kenya"},
                "crowd_size": 150,
                "claims": ["unpaid allowances"],
                "police_response": ["none"],
                "summary": "Nurses rallied in Kisumu over unpaid allowances.",
                "evidence": ["Some 150 nurses rallied outside the county offices in Kisumu"],
            }
        ],
    }


def protest_reply(request: RecordedRequest) -> Reply:
    """A valid protest extraction of whichever article the request carries."""
    text = json.dumps(request.body)
    return reply_with(request, rally_payload() if "Kisumu" in text else march_payload())


@pytest.fixture
def protest() -> Codebook:
    return Codebook.load(PROTEST_FILE)


def protest_backend(server: LoopbackServer, protest: Codebook, **changes: Any) -> LLMBackend:
    return LLMBackend(llm_settings(server, **changes), codebook=protest)


# -- the request -------------------------------------------------------------------------


def _sent_schema(request: RecordedRequest, mode: Mode) -> dict[str, Any]:
    assert request.body is not None
    if mode is Mode.JSON_SCHEMA:
        sent = request.body["response_format"]["json_schema"]
        assert sent["strict"] is True
        return dict(sent["schema"])
    (tool,) = request.body["tools"]
    assert tool["function"]["strict"] is True
    return dict(tool["function"]["parameters"])


@pytest.mark.parametrize("mode", [Mode.JSON_SCHEMA, Mode.TOOLS_STRICT])
def test_a_strict_request_carries_the_codebooks_types_and_fields(
    mode: Mode, loopback_server: LoopbackServer, protest: Codebook
) -> None:
    loopback_server.respond_with(protest_reply)
    backend = protest_backend(loopback_server, protest, mode=mode)

    summarize(Article.from_text(MARCH), backend=backend, cache=False)
    summarize(Article.from_text(RALLY), backend=backend, cache=False)

    first, second = chat_requests(loopback_server)
    schema = _sent_schema(first, mode)
    event = schema["$defs"]["ExtractedEvent"]
    assert schema["$defs"]["EventType"]["enum"] == ["demonstration", "riot"]
    extras = {"crowd_size", "claims", "police_response", "organizer", "protester_violence"}
    assert extras <= set(event["properties"])
    assert set(event["required"]) == set(event["properties"])  # strict: every one named
    assert event["additionalProperties"] is False
    police = json.dumps(event["properties"]["police_response"])
    assert all(value in police for value in ("none", "tear_gas", "water_cannon", "arrests"))
    # The static prefix is the same for every article: the codebook is in it, the article not.
    assert system_message(first) == system_message(second)
    assert "demonstration = A public gathering" in system_message(first)
    assert "Nairobi" not in system_message(first) and "Kisumu" not in system_message(second)
    assert _sent_schema(second, mode) == schema


# -- re-asks -----------------------------------------------------------------------------

BAD_REPLIES = {
    "type": ({"event_type": "strike"}, "is not a type of the codebook"),
    "subtype": ({"sub_event_type": "sit_in"}, "'sit_in' is not a subtype of demonstration"),
    "enum": ({"police_response": ["kettling"]}, "'kettling', not among the codebook's values"),
    "bound": ({"crowd_size": -300}, "crowd_size -300 is below its minimum, 0"),
    "quote": (
        {"organizer": "Teachers Service Commission"},
        "organizer 'Teachers Service Commission' does not occur in the article",
    ),
    "quoted list": ({"claims": ["free lunches"]}, "'free lunches'"),
    "quoted integer": ({"crowd_size": 3000}, "crowd_size 3000 is not a number the article states"),
}


@pytest.mark.parametrize("bad", list(BAD_REPLIES))
def test_a_reply_outside_the_codebook_is_reasked_with_the_reason(
    bad: str, loopback_server: LoopbackServer, protest: Codebook
) -> None:
    changes, reason = BAD_REPLIES[bad]
    loopback_server.script(Reply(march_payload(**changes)), Reply(march_payload()))

    result = summarize(
        Article.from_text(MARCH), backend=protest_backend(loopback_server, protest), cache=False
    )

    first, second = chat_requests(loopback_server)
    reasked = json.dumps(second.body["messages"][len(first.body["messages"]) :])  # type: ignore[index]
    assert reason in reasked
    assert result.attempts == 2
    assert result.events[0].model_dump()["crowd_size"] == 300


# -- results, cache and the Python API ---------------------------------------------------


def test_summarize_with_a_codebook_gives_its_result_and_names_it(
    loopback_server: LoopbackServer, protest: Codebook, tmp_path: Path
) -> None:
    loopback_server.respond_with(protest_reply)
    settings = llm_settings(loopback_server)

    result = summarize(MARCH, codebook=PROTEST_FILE, settings=settings, cache_dir=tmp_path)
    again = summarize(MARCH, codebook=protest, settings=settings, cache_dir=tmp_path)

    document = result.model_dump(mode="json")
    assert document["codebook"] == {"name": "protest-monitor", "hash": protest.hash}
    event = document["events"][0]
    assert (event["event_type"], event["crowd_size"], event["police_response"]) == (
        "demonstration",
        300,
        ["tear_gas", "arrests"],
    )
    assert event["evidence"][0]["start"] == MARCH.index("About 300")
    assert result.prompt_version.endswith(f"+protest-monitor-{protest.hash}")
    assert again == result  # from the cache, validated into the codebook's model
    assert len(chat_requests(loopback_server)) == 1


def test_the_cache_keeps_codebooks_apart(
    loopback_server: LoopbackServer, protest: Codebook, tmp_path: Path
) -> None:
    loopback_server.respond_with(protest_reply)
    article = Article.from_text(MARCH)
    news = LLMBackend(llm_settings(loopback_server))
    with ResultCache(tmp_path) as cache:
        protest_result = open_pipeline(protest_backend(loopback_server, protest), cache=cache)
        protest_result.run(article)
        news_pipeline = open_pipeline(news, cache=cache)

        assert cache_key(article, news) != cache_key(article, protest_result.backend)
        assert news_pipeline.lookup(article) is None
        assert protest_result.lookup(article) is not None


def test_news_results_name_the_news_codebook(loopback_server: LoopbackServer) -> None:
    loopback_server.respond_with(
        lambda request: reply_with(
            request,
            {
                "headline": "Teachers march",
                "brief": "Teachers marched through Nairobi on Monday.",
                "events": [
                    {
                        "event_type": "protest",
                        "summary": "Teachers marched.",
                        "evidence": [MARCH_EVIDENCE],
                    }
                ],
            },
        )
    )
    backend = LLMBackend(llm_settings(loopback_server))

    result = summarize(MARCH, backend=backend, cache=False)

    news = Codebook.load("news")
    assert result.codebook is not None
    assert (result.codebook.name, result.codebook.hash) == ("news", news.hash)
    assert backend.prompt_version == backend.prompt.version  # news: as before codebooks


def test_a_backend_given_with_another_codebook_is_refused(
    loopback_server: LoopbackServer, protest: Codebook
) -> None:
    with pytest.raises(ConfigurationError, match="extracts the codebook 'news', not 'protest"):
        open_pipeline(LLMBackend(llm_settings(loopback_server)), codebook=protest, cache=False)


def test_a_worker_process_extracts_the_codebook(
    loopback_server: LoopbackServer, protest: Codebook
) -> None:
    import pickle

    backend = protest_backend(loopback_server, protest)
    copied = pickle.loads(pickle.dumps(backend))

    assert copied.codebook == protest
    assert copied.response_model is protest.extraction_model
    assert copied.prompt_version == backend.prompt_version


# -- the CLI -----------------------------------------------------------------------------


def test_the_cli_runs_the_protest_codebook(
    loopback_server: LoopbackServer,
    protest: Codebook,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loopback_server.respond_with(protest_reply)
    use_loopback(monkeypatch, loopback_server)
    article = tmp_path / "march.txt"
    article.write_text(MARCH, encoding="utf-8")

    result = run_cli(["--jsonl", "--codebook", str(PROTEST_FILE), str(article)])

    assert result.exit_code == 0, result.stderr
    (record,) = result.results
    assert record["codebook"] == {"name": "protest-monitor", "hash": protest.hash}
    assert record["events"][0]["organizer"] == "Kenya National Union of Teachers"


def test_the_codebook_comes_from_the_environment(
    loopback_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loopback_server.respond_with(protest_reply)
    use_loopback(monkeypatch, loopback_server)
    monkeypatch.setenv("SUMMARIZER_CODEBOOK", str(PROTEST_FILE))
    article = tmp_path / "march.txt"
    article.write_text(MARCH, encoding="utf-8")

    result = run_cli(["--jsonl", "--no-cache", str(article)])

    assert result.exit_code == 0, result.stderr
    assert result.results[0]["codebook"]["name"] == "protest-monitor"


def acled_reply(request: RecordedRequest) -> Reply:
    return reply_with(
        request,
        {
            "headline": "Teachers march in Nairobi over pay",
            "brief": "About 300 teachers marched through Nairobi on Monday to demand higher pay.",
            "events": [
                {
                    "event_type": "protest",
                    "sub_event_type": "excessive_force_against_protesters",
                    "date": "2024-03-04",
                    "location": {"name": "Nairobi", "country": "Kenya"},
                    "actors": ["Kenya National Union of Teachers", "Police"],
                    "summary": "Police fired tear gas at marching teachers.",
                    "evidence": ["Police fired tear gas to disperse the crowd near parliament"],
                }
            ],
        },
    )


def test_the_cli_runs_the_acled_codebook(
    loopback_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    acled = Codebook.load("acled")
    assert "protest" in acled.types
    assert "excessive_force_against_protesters" in acled.types["protest"].subtypes
    loopback_server.respond_with(acled_reply)
    use_loopback(monkeypatch, loopback_server)
    article = tmp_path / "march.txt"
    article.write_text(MARCH, encoding="utf-8")

    result = run_cli(["--json", "--no-cache", "--codebook", "acled", str(article)])

    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["codebook"] == {"name": "acled", "hash": acled.hash}
    assert document["events"][0]["event_type"] == "protest"
    (request,) = chat_requests(loopback_server)
    assert "excessive_force_against_protesters = " in system_message(request)


def test_a_broken_codebook_fails_before_any_work(
    loopback_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_loopback(monkeypatch, loopback_server)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ntypes:\n  strike: {}\n", encoding="utf-8")
    article = tmp_path / "march.txt"
    article.write_text(MARCH, encoding="utf-8")

    for command in (
        [str(article)],
        ["estimate", str(article)],
        ["schema"],
        ["batch", "export", str(article), "--job", str(tmp_path / "job")],
    ):
        result = run_cli([*command, "--codebook", str(broken)])
        assert result.exit_code == 2, command
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert f"{broken}:3: types.strike" in result.stderr
    assert loopback_server.requests == []
    assert not (tmp_path / "job").exists()


def test_schema_prints_the_codebooks_result_schema(protest: Codebook) -> None:
    result = run_cli(["schema", "--codebook", str(PROTEST_FILE)])

    assert result.exit_code == 0
    assert json.loads(result.stdout) == protest.result_model.model_json_schema()
    assert "crowd_size" in result.stdout
    assert json.loads(run_cli(["schema"]).stdout)["title"] == "ArticleSummary"


def test_estimate_counts_the_codebooks_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    article = tmp_path / "march.txt"
    article.write_text(MARCH, encoding="utf-8")

    def tokens(*codebook: str) -> int:
        result = run_cli(["estimate", "--json", "--no-cache", *codebook, str(article)])
        assert result.exit_code == 0, result.stderr
        return int(json.loads(result.stdout)["input_tokens"])

    assert tokens("--codebook", str(PROTEST_FILE)) > tokens("--codebook", "news") + 200


def test_the_event_table_shows_extra_fields_when_they_fit(protest: Codebook) -> None:
    from rich.console import Console

    from summarizer.cli.render import fitting_events_table

    result = protest.result_model.model_validate(
        {**march_payload(), "id": "a", "backend": "test", "prompt_version": "test"},
        context=Article.from_text(MARCH).validation_context(),
    )
    fields = list(protest.fields)

    def printed(width: int) -> str:
        console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(fitting_events_table(console, result.events, fields))  # type: ignore[attr-defined]
        console.file.close()
        return console.export_text()

    wide, narrow = printed(220), printed(90)
    assert "crowd_size" in wide and "tear_gas; arrests" in wide and "300" in wide
    assert "crowd_size" not in narrow and "demonstration" in narrow


# -- batch jobs --------------------------------------------------------------------------


def run_requests(server: LoopbackServer, requests: Path, results: Path) -> None:
    """What `vllm run-batch` does with a request file: each body sent, each answer written."""
    import openai

    lines = []
    with openai.OpenAI(api_key="x", base_url=server.base_url, max_retries=0) as client:
        for raw in requests.read_text(encoding="utf-8").splitlines():
            request = json.loads(raw)
            answer = client.post(
                "/chat/completions", body=request["body"], cast_to=openai.types.chat.ChatCompletion
            )
            response = {"status_code": 200, "request_id": "r", "body": answer.model_dump()}
            line = {"id": "v", "custom_id": request["custom_id"], "response": response}
            lines.append(json.dumps({**line, "error": None}))
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_export_then_import_uses_the_stored_codebook(
    loopback_server: LoopbackServer,
    protest: Codebook,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loopback_server.respond_with(protest_reply)
    use_loopback(monkeypatch, loopback_server)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "".join(
            json.dumps({"id": name, "text": text}) + "\n"
            for name, text in (("march", MARCH), ("rally", RALLY))
        ),
        encoding="utf-8",
    )
    # The codebook is read from a copy that is gone by the time the results come back.
    copied = tmp_path / "protest-copy.yaml"
    copied.write_text(PROTEST_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    job = tmp_path / "job"
    exported = run_cli(["batch", "export", str(feed), "--job", str(job), "--codebook", str(copied)])
    assert exported.exit_code == 0, exported.stderr
    copied.unlink()
    manifest = json.loads((job / "manifest.json").read_text(encoding="utf-8"))
    assert Codebook.from_data(manifest["settings"]["codebook"]) == protest
    results = tmp_path / "results.jsonl"
    run_requests(loopback_server, Path(exported.stdout.split()[0]), results)

    refused = run_cli(["batch", "import", str(results), "--job", str(job), "--codebook", "acled"])
    imported = run_cli(["batch", "import", str(results), "--job", str(job)])

    assert refused.exit_code == 2
    assert refused.error_lines == [line for line in refused.stderr.splitlines() if line]
    assert "asked for the codebook 'protest-monitor'" in refused.stderr
    assert imported.exit_code == 0, imported.stderr
    records = {record["id"]: record for record in imported.results}
    assert records["march"]["codebook"] == {"name": "protest-monitor", "hash": protest.hash}
    assert records["rally"]["events"][0]["crowd_size"] == 150
    assert "2 from the batch" in imported.stderr


def test_a_request_body_has_the_codebooks_prompt(
    loopback_server: LoopbackServer, protest: Codebook
) -> None:
    backend = protest_backend(loopback_server, protest)
    body = backend.request_body(Article.from_text(MARCH))
    system = body["messages"][0]["content"]

    assert "Codebook: Contentious collective action" in system
    assert "crowd_size" in json.dumps(body["tools"])
    assert copy.deepcopy(body) == backend.request_body(Article.from_text(MARCH))
