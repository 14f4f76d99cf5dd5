"""Tokens and cost: usage of failed attempts, prices, --max-cost, and `summarize estimate`.

The LLM path runs against the loopback server through the real openai and
instructor clients; prices come from the pinned genai-prices data.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.cost import Budget, Prices, Reservation, cost_usd, prices_for
from summarizer.errors import BudgetExceeded
from summarizer.evaluation import load_dataset
from summarizer.pipeline import Pipeline
from summarizer.run import ErrorRecord, ResultRecord, summarize_many
from summarizer.schema import Usage
from summarizer.tokens import EXPECTED_OUTPUT_TOKENS, rough_usage
from tests.conftest import SEED_ARTICLE
from tests.eval_support import copy_seeds, gold_responder
from tests.llm_support import (
    SENTINEL_KEY,
    article_block,
    chat_requests,
    llm_settings,
    reply_with,
    run_cli,
    seed_payload,
    use_loopback,
    valid_reply,
    with_evidence,
)
from tests.loopback import Fault, LoopbackServer, RecordedRequest, Reply, Step

INVENTED = with_evidence(seed_payload(), ["Baaj fell on Monday"])
GPT_4O_MINI = Prices(input=0.15, output=0.6, batch_input=0.075, batch_output=0.3)


@pytest.fixture
def seed() -> Article:
    return Article.from_text(SEED_ARTICLE.read_text(encoding="utf-8"), id="iraq-baaj-offensive")


def story(number: int) -> Article:
    return Article.from_text(
        f"date 2024-03-01 Springfield: Story {number} says a fire hit a warehouse on Friday.",
        id=f"a-{number}",
    )


def write_stories(folder: Path, count: int) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"a-{number}.txt").write_text(story(number).text, encoding="utf-8")
    return folder


def records_of(stdout: str) -> dict[str, dict[str, object]]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return {str(line["id"]): line for line in lines}


# -- usage of every request, failed ones included --------------------------------------


def test_an_error_record_carries_the_tokens_of_every_rejected_reply(
    loopback_server: LoopbackServer, seed: Article
) -> None:
    loopback_server.script(
        Reply(INVENTED, usage=(100, 40)),
        Reply(INVENTED, usage=(110, 41)),
        Reply(INVENTED, usage=(120, 42)),
    )
    backend = LLMBackend(llm_settings(loopback_server, max_reasks=2))

    (record,) = list(summarize_many([seed], Pipeline(backend)))

    assert isinstance(record, ErrorRecord)
    assert record.type == "InvalidOutputError"
    assert record.attempts == 3
    assert record.usage == Usage(prompt_tokens=330, completion_tokens=123)
    document = json.loads(record.to_json())
    assert document["usage"] == {"prompt_tokens": 330, "completion_tokens": 123}


def test_http_failures_add_requests_but_no_tokens_and_the_replies_before_them_count(
    loopback_server: LoopbackServer, seed: Article
) -> None:
    # A rejected reply, a server error on its re-ask (retried from the start), then a 400.
    loopback_server.script(Reply(INVENTED, usage=(100, 40)), Fault(503), Fault(400))
    backend = LLMBackend(llm_settings(loopback_server))

    (record,) = list(summarize_many([seed], Pipeline(backend)))

    assert isinstance(record, ErrorRecord)
    assert record.type == "BackendError"
    assert record.attempts == 3
    assert record.usage == Usage(prompt_tokens=100, completion_tokens=40)


def test_a_result_carries_the_tokens_of_its_failed_attempts_and_re_asks(
    loopback_server: LoopbackServer, seed: Article
) -> None:
    loopback_server.script(
        Fault(500),
        Reply(INVENTED, usage=(100, 40)),
        Reply(seed_payload(), usage=(130, 35)),
    )
    backend = LLMBackend(llm_settings(loopback_server))

    with summarize_many([seed], Pipeline(backend)) as run:
        (record,) = list(run)

    assert isinstance(record, ResultRecord)
    assert record.summary.attempts == 3
    assert record.summary.usage == Usage(prompt_tokens=230, completion_tokens=75)
    assert run.report.tokens.spent == Usage(prompt_tokens=230, completion_tokens=75)


def test_an_error_with_no_reply_has_no_usage_in_its_json(
    loopback_server: LoopbackServer, seed: Article
) -> None:
    loopback_server.script(Fault(400))
    backend = LLMBackend(llm_settings(loopback_server))

    (record,) = list(summarize_many([seed], Pipeline(backend)))

    assert isinstance(record, ErrorRecord)
    assert record.usage == Usage()
    assert "usage" not in json.loads(record.to_json())


@pytest.mark.slow
def test_usage_of_a_failure_crosses_from_a_worker_process(
    loopback_server: LoopbackServer, seed: Article
) -> None:
    loopback_server.respond_with(lambda request: reply_with(request, INVENTED, usage=(50, 5)))
    backend = LLMBackend(llm_settings(loopback_server, max_reasks=1))

    (record,) = list(summarize_many([seed], Pipeline(backend), workers=2))

    assert isinstance(record, ErrorRecord)
    assert record.type == "InvalidOutputError"
    assert record.usage == Usage(prompt_tokens=100, completion_tokens=10)


# -- prices -----------------------------------------------------------------------------


def test_cost_is_tokens_times_the_price_per_million_and_batch_takes_the_discount() -> None:
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=500_000)

    assert cost_usd(usage, GPT_4O_MINI) == pytest.approx(0.15 + 0.3)
    assert cost_usd(usage, GPT_4O_MINI, batch=True) == pytest.approx(0.075 + 0.15)
    # No batch price known: a batch reply costs what a realtime one does.
    assert cost_usd(usage, Prices(input=1.0, output=2.0), batch=True) == pytest.approx(2.0)
    assert cost_usd(usage, None) is None


def test_openai_prices_come_from_genai_prices_with_the_batch_discount() -> None:
    found = prices_for("gpt-4o-mini", None)

    assert found is not None
    assert (found.input, found.output) == pytest.approx((0.15, 0.6))
    assert (found.batch_input, found.batch_output) == pytest.approx((0.075, 0.3))
    assert "openai gpt-4o-mini" in found.source
    # A dated snapshot name is the same model.
    assert prices_for("gpt-4o-mini-2024-07-18", "https://api.openai.com/v1") == found


def test_the_provider_comes_from_a_known_host_and_a_local_server_prices_by_model() -> None:
    local = prices_for("gpt-4o-mini", "http://127.0.0.1:8080/v1")
    assert local is not None and "openai gpt-4o-mini" in local.source

    routed = prices_for("openai/gpt-4o-mini", "https://openrouter.ai/api/v1")
    assert routed is not None and "openrouter" in routed.source

    assert prices_for("llama3.1", "http://localhost:11434/v1") is None
    assert prices_for("loopback-model", "http://127.0.0.1:9/v1") is None
    assert prices_for("no-such-model", None) is None


def test_price_lookups_need_no_network() -> None:
    script = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from summarizer.cost import prices_for\n"
        "print(prices_for('gpt-4o-mini', None).input)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0.15"


def test_overrides_replace_the_looked_up_prices_and_keep_the_batch_discount() -> None:
    found = prices_for("gpt-4o-mini", None)
    assert found is not None

    both = found.override(input=1.0, output=4.0)
    one = found.override(input=0.3, output=None)

    assert (both.input, both.output, both.source) == (1.0, 4.0, "given")
    assert (both.batch_input, both.batch_output) == pytest.approx((0.5, 2.0))
    assert (one.input, one.output) == pytest.approx((0.3, 0.6))
    assert one.source.endswith("input price given")
    assert found.override(input=None, output=None) == found


# -- the CLI: summaries, notices, overrides ----------------------------------------------


def test_an_unknown_model_gives_unknown_cost_and_one_notice(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(valid_reply)
    folder = write_stories(tmp_path / "in", 3)

    result = run_cli(["--jsonl", str(folder)])

    assert result.exit_code == 0, result.stderr
    notices = [line for line in result.stderr.splitlines() if "No price known" in line]
    assert notices == [
        f"No price known for 'loopback-model' at {loopback_server.base_url}: costs are shown "
        "as unknown. --price-input and --price-output (USD per million tokens) set them."
    ]
    assert result.stderr.splitlines()[-1] == "Spent 36 input and 24 output tokens, cost unknown"
    assert all("cost_usd" not in record for record in records_of(result.stdout).values())


def test_given_prices_cost_the_run_and_the_cache_saved_what_it_answered(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(valid_reply)
    folder = write_stories(tmp_path / "in", 3)
    prices = ["--price-input", "1000", "--price-output", "2000"]

    first = run_cli(["--jsonl", *prices, str(folder / "a-0.txt"), str(folder / "a-1.txt")])
    second = run_cli(["--jsonl", *prices, str(folder)])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "No price known" not in first.stderr + second.stderr
    # 12 input and 8 output tokens a reply, at $1,000 and $2,000 a million.
    assert first.stderr.splitlines()[-1] == (
        "Spent 24 input and 16 output tokens, $0.0560 "
        "(at $1000 in / $2000 out per million tokens, given)"
    )
    assert second.stderr.splitlines()[-1] == (
        "Spent 12 input and 8 output tokens, $0.0280; the cache saved 24 input and 16 output "
        "tokens, $0.0560 (at $1000 in / $2000 out per million tokens, given)"
    )


def test_one_price_for_a_model_without_prices_is_a_usage_error(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    folder = write_stories(tmp_path / "in", 1)

    result = run_cli(["--jsonl", "--price-input", "1", str(folder)])

    assert result.exit_code == 2
    assert "give both --price-input and --price-output" in result.stderr
    assert chat_requests(loopback_server) == []


# -- --max-cost ----------------------------------------------------------------------------


def costly_reply(request: RecordedRequest) -> Reply:
    """A valid reply billed 100,000 prompt tokens: $0.10 at $1 a million."""
    return dataclasses.replace(valid_reply(request), usage=(100_000, 0))


def test_max_cost_stops_new_articles_and_keeps_the_finished_ones(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(costly_reply)
    folder = write_stories(tmp_path / "in", 6)
    prices = ["--price-input", "1", "--price-output", "1"]
    # Each article is estimated at about 2,500 tokens ($0.0025) before it starts and
    # costs $0.10: the third starts at $0.20 spent, the fourth would start at $0.30.
    limit = ["--max-cost", "0.25", "--concurrency", "1"]

    first = run_cli(["--jsonl", "--ordered", *prices, *limit, str(folder)])

    assert first.exit_code == 1
    records = records_of(first.stdout)
    done = [key for key, record in records.items() if "error" not in record]
    refused = [
        key
        for key, record in records.items()
        if isinstance(record.get("error"), dict) and record["error"]["type"] == "BudgetExceeded"
    ]
    assert done == ["a-0", "a-1", "a-2"]
    assert refused == ["a-3", "a-4", "a-5"]
    assert len(chat_requests(loopback_server)) == 3
    assert "not started: the cost limit of $0.25 is reached ($0.3000 spent" in first.stderr
    assert "3 done, 3 failed (BudgetExceeded 3)" in first.stderr

    # The finished ones were cached: the rerun asks only for the other three.
    second = run_cli(["--jsonl", *prices, str(folder)])

    assert second.exit_code == 0, second.stderr
    assert len(chat_requests(loopback_server)) == 6
    assert "6 done (3 from the cache), 0 failed" in second.stderr


def test_max_cost_needs_prices(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    folder = write_stories(tmp_path / "in", 1)

    result = run_cli(["--jsonl", "--max-cost", "1", str(folder)])

    assert result.exit_code == 2
    assert "--max-cost needs prices" in result.stderr
    assert chat_requests(loopback_server) == []


def test_a_budget_reserves_estimates_and_settles_real_costs_across_threads() -> None:
    prices = Prices(input=1.0, output=1.0)
    article = story(0)
    usage = rough_usage(article)
    estimate = cost_usd(usage, prices)
    assert estimate is not None
    assert usage.completion_tokens == EXPECTED_OUTPUT_TOKENS
    budget = Budget(estimate * 40.5, prices)
    granted: list[Reservation] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(25):
            try:
                reservation = budget.reserve(article)
            except BudgetExceeded:
                continue
            with lock:
                granted.append(reservation)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(granted) == 40
    assert budget.refused == 60 and budget.exhausted
    assert budget.in_flight_usd == pytest.approx(estimate * 40)
    for reservation in granted:
        budget.settle(reservation, Usage(prompt_tokens=10, completion_tokens=0))
    assert budget.in_flight_usd == pytest.approx(0.0, abs=1e-12)
    assert budget.spent_usd == pytest.approx(40 * 10 / 1e6)


# -- summarize estimate ---------------------------------------------------------------------


def test_estimate_leaves_out_cache_hits_and_sends_nothing(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(valid_reply)
    folder = write_stories(tmp_path / "in", 3)
    ran = run_cli(["--jsonl", str(folder / "a-0.txt"), str(folder / "a-1.txt")])
    assert ran.exit_code == 0
    sent = len(loopback_server.requests)

    result = run_cli(
        ["estimate", "--json", "--price-input", "1", "--price-output", "2", str(folder)]
    )

    assert result.exit_code == 0, result.stderr
    assert len(loopback_server.requests) == sent
    figures = json.loads(result.stdout)
    assert (figures["inputs_read"], figures["cached"], figures["requests"]) == (3, 2, 1)
    assert figures["input_tokens_counting"] == "approximated at 4 characters a token"
    assert figures["output_tokens"] == EXPECTED_OUTPUT_TOKENS
    expected = (figures["input_tokens"] * 1 + EXPECTED_OUTPUT_TOKENS * 2) / 1e6
    # No price known for the model but the given ones, so no batch discount either.
    assert figures["cost_usd"] == {
        "realtime": pytest.approx(expected),
        "batch": pytest.approx(expected),
    }


def test_estimate_counts_the_tokens_the_request_really_carries(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("bpe_openai")
    from evals.seed_cost import billed_prompt_tokens
    from summarizer.tokens import token_counter

    use_loopback(monkeypatch, loopback_server)
    monkeypatch.setenv("SUMMARIZER_MODEL", "gpt-4o-mini")
    loopback_server.respond_with(valid_reply)

    estimate = run_cli(["estimate", "--json", "--no-cache", str(SEED_ARTICLE)])
    sent = run_cli(["--json", "--no-cache", str(SEED_ARTICLE)])

    assert (estimate.exit_code, sent.exit_code) == (0, 0), estimate.stderr + sent.stderr
    figures = json.loads(estimate.stdout)
    (request,) = chat_requests(loopback_server)
    assert request.body is not None
    assert figures["input_tokens_counting"] == "counted with o200k_base (bpe-openai)"
    assert figures["input_tokens"] == billed_prompt_tokens(
        request.body, token_counter("gpt-4o-mini")
    )
    # At OpenAI's gpt-4o-mini prices, a batch job costs half.
    assert figures["cost_usd"]["batch"] == pytest.approx(figures["cost_usd"]["realtime"] / 2)
    assert figures["prices_usd_per_million_tokens"]["input"] == pytest.approx(0.15)
    assert "openai gpt-4o-mini" in figures["prices_usd_per_million_tokens"]["source"]


def test_estimate_needs_no_endpoint_or_key(tmp_path: Path) -> None:
    # Nothing configured: the estimate is for OpenAI's API, which it never calls.
    result = run_cli(["estimate", "--json", str(SEED_ARTICLE)])

    assert result.exit_code == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["model"] == "gpt-4o-mini"
    assert figures["requests"] == 1


def test_estimate_skips_unreadable_inputs_with_a_line_each(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")

    result = run_cli(["estimate", "--json", str(empty), str(SEED_ARTICLE), str(SEED_ARTICLE)])

    assert result.exit_code == 0
    assert json.loads(result.stdout)["skipped"] == 2
    skipped = [line for line in result.stderr.splitlines() if line.startswith("Skipped: ")]
    assert len(skipped) == 2
    assert "the input is empty" in skipped[0]
    assert "repeated id" in skipped[1]


# -- secrets --------------------------------------------------------------------------------


def test_no_api_key_in_any_output(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    echo = {"error": {"message": f"bad key {SENTINEL_KEY}", "type": "invalid_request_error"}}
    loopback_server.script(
        Reply(INVENTED, usage=(10, 1)), Reply(INVENTED, usage=(10, 1)), Reply(INVENTED)
    )
    loopback_server.script(Fault(401, body=echo))
    folder = write_stories(tmp_path / "in", 2)
    output = tmp_path / "out.jsonl"

    outputs = [
        run_cli(["--output", str(output), "--concurrency", "1", *prices_args(), str(folder)]),
        run_cli(["estimate", *prices_args(), str(folder)]),
        run_cli(["estimate", "--json", str(folder)]),
    ]

    texts = [part for result in outputs for part in (result.stdout, result.stderr)]
    texts.append(output.read_text(encoding="utf-8"))
    assert outputs[0].exit_code == 1
    assert all(SENTINEL_KEY not in text for text in texts)
    assert "[redacted]" in outputs[0].stderr


def prices_args() -> list[str]:
    return ["--price-input", "1", "--price-output", "2"]


def test_max_cost_with_the_offline_extractor_is_a_usage_error() -> None:
    result = run_cli(["--backend", "offline", "--max-cost", "1", str(SEED_ARTICLE)])

    assert result.exit_code == 2
    assert "the offline backend spends nothing" in result.stderr


def test_an_eval_counts_the_tokens_of_an_article_that_failed(
    loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    root = copy_seeds(tmp_path / "set", ["iraq-baaj-offensive", "syria-haritan-airstrikes"])
    gold = gold_responder(load_dataset(root))

    def respond(request: RecordedRequest) -> Step:
        if "Baaj" in article_block(request):
            return reply_with(request, INVENTED, usage=(100, 10))
        return gold(request)

    loopback_server.respond_with(respond)
    out = tmp_path / "out"

    endpoint = ["--backend", "openai", "--base-url", loopback_server.base_url]
    options = ["--model", "loopback-model", "--out", str(out), *prices_args()]
    result = run_cli(["eval", str(root), *endpoint, *options])

    assert result.exit_code == 0, result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    articles = {article["id"]: article for article in report["articles"]}
    # Three requests (two re-asks) for the failed article, one for the other.
    failed = articles["iraq-baaj-offensive"]
    assert (failed["valid"], failed["tokens_in"], failed["tokens_out"]) == (False, 300, 30)
    assert (report["metrics"]["tokens_in"], report["metrics"]["tokens_out"]) == (312, 38)
    assert report["metrics"]["cost"] == pytest.approx((312 * 1 + 38 * 2) / 1e6)
