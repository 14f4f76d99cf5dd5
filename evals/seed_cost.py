"""What the seed articles cost at gpt-4o-mini prices, realtime against batch.

    python -m evals.seed_cost          # needs the `tokens` extra: pip install -e ".[tokens]"

The gold loopback run: the real LLM backend (openai and instructor clients, the
`tools` mode) sends each seed article to the loopback server, which answers with
the article's gold label, as a model that gets everything right would. The
server reports the usage OpenAI would bill: the prompt tokens of the request it
received (every message, and the tool schema, counted with o200k_base, the
encoding of gpt-4o-mini, plus the chat format's few tokens a message) and the
completion tokens of its reply. The cost is that usage at genai-prices' OpenAI
price for gpt-4o-mini, realtime and with the batch discount, through the eval
harness, which also gives the cost per correctly found event.

It also prints the two figures `summarizer.tokens` uses to estimate a request
before it is sent (`EXPECTED_OUTPUT_TOKENS`, `PROMPT_OVERHEAD_TOKENS`) and checks
that `summarize estimate` counts what the server received.
"""

from __future__ import annotations

import json
import statistics
import sys
from typing import Any

from summarizer.backends.llm import LLMBackend, LLMSettings
from summarizer.cost import cost_usd, prices_for
from summarizer.estimate import estimate_run
from summarizer.evaluation import evaluate, load_dataset
from summarizer.pipeline import Pipeline
from summarizer.schema import Usage
from summarizer.tokens import REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, TokenCounter, token_counter
from tests.conftest import SEEDS
from tests.eval_support import gold_payload
from tests.llm_support import article_block, reply_with
from tests.loopback import LoopbackServer, RecordedRequest, Reply

MODEL = "gpt-4o-mini"
# The request fields besides the messages that carry the schema, as sent.
SCHEMA_FIELDS = ("tool_choice", "tools", "response_format")


def billed_prompt_tokens(body: dict[str, Any], counter: TokenCounter) -> int:
    """The prompt tokens of a request body as received: messages, then the schema fields."""
    messages = sum(
        counter.count(str(message["content"])) + TOKENS_PER_MESSAGE for message in body["messages"]
    )
    schema = {key: body[key] for key in SCHEMA_FIELDS if key in body}
    return messages + counter.count(json.dumps(schema, sort_keys=True)) + REPLY_PRIMING_TOKENS


def main() -> int:
    counter = token_counter(MODEL)
    if not counter.exact:
        print("needs a tokenizer: pip install -e '.[tokens]'", file=sys.stderr)
        return 2
    seeds = load_dataset(SEEDS)
    by_body = {item.article.body.strip(): item for item in seeds}
    completions: list[int] = []
    overheads: list[int] = []

    def respond(request: RecordedRequest) -> Reply:
        assert request.body is not None
        item = by_body[article_block(request).strip()]
        payload = gold_payload(item)
        prompt = billed_prompt_tokens(request.body, counter)
        completion = counter.count(json.dumps(payload))
        completions.append(completion)
        overheads.append(prompt - counter.count(item.article.body))
        return reply_with(request, payload, usage=(prompt, completion))

    prices = prices_for(MODEL, None)  # the loopback stands in for OpenAI's API
    assert prices is not None, "genai-prices knows gpt-4o-mini"
    with LoopbackServer() as server:
        server.respond_with(respond)
        settings = LLMSettings(model=MODEL, base_url=server.base_url, api_key="no-key")
        with Pipeline(LLMBackend(settings)) as pipeline:
            estimated = estimate_run((item.article for item in seeds), pipeline)
            report = evaluate(seeds, pipeline, prices=prices, concurrency=4)
    metrics = report.metrics
    tokens_in, tokens_out = int(metrics["tokens_in"] or 0), int(metrics["tokens_out"] or 0)
    usage = Usage(prompt_tokens=tokens_in, completion_tokens=tokens_out)
    realtime = cost_usd(usage, prices) or 0.0
    batch = cost_usd(usage, prices, batch=True) or 0.0
    articles = len(seeds)
    matched = int(metrics["true_positives"] or 0)
    print(f"gold loopback run: {articles} seed articles, {MODEL}, tools mode")
    print(f"prices: {prices.describe()}")
    print(f"event F1 {metrics['event_f1']:.3f}, {matched} events found")
    print(f"tokens: {tokens_in:,} input, {tokens_out:,} output ({counter.method})")
    print(f"estimated before sending: {estimated.input_tokens:,} input tokens")
    print(
        f"realtime: ${realtime:.4f} in all, ${realtime / articles:.6f} an article, "
        f"${realtime / matched:.6f} a found event"
    )
    print(
        f"batch:    ${batch:.4f} in all, ${batch / articles:.6f} an article, "
        f"${batch / matched:.6f} a found event"
    )
    print(
        f"per 1,000 such articles: ${realtime / articles * 1000:.2f} realtime, "
        f"${batch / articles * 1000:.2f} batch"
    )
    print(
        f"mean completion tokens {statistics.fmean(completions):.0f} (EXPECTED_OUTPUT_TOKENS), "
        f"mean prompt tokens besides the article {statistics.fmean(overheads):.0f} "
        "(PROMPT_OVERHEAD_TOKENS)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
