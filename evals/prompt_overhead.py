"""Tokens a request spends besides the article, per mode, and a reply's size, on the seeds.

    pip install -e ".[tokens]"        # the o200k_base tokenizer (bpe-openai)
    python evals/prompt_overhead.py

Overhead = the messages' tokens less the article body's, plus the request's
structured-output fields (`tools`/`tool_choice` or `response_format`) counted as
compact JSON. A provider bills tools in its own rendering of them, so read the
schema figure as an estimate; the messages are exact for o200k_base models.
Completion tokens are those of the gold reply (each seed's label as an
Extraction, the tool call's arguments) that the eval tests' loopback server sends.

Per codebook (each built-in and examples/codebooks/protest.yaml): the tokens of
the static prefix (the system message, the same bytes for every article) and of
the codebook's extraction model as compact JSON Schema.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.codebook import Codebook, builtin_codebooks
from summarizer.evaluation import load_dataset
from summarizer.prompts import load_prompt
from summarizer.settings import LLMSettings, Mode

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
EXAMPLE_CODEBOOKS = sorted((ROOT / "examples" / "codebooks").glob("*.yaml"))


def main() -> None:
    import bpe_openai

    encoding = bpe_openai.get_encoding("o200k_base")

    def tokens(text: str) -> int:
        return len(encoding.encode(text))

    dataset = load_dataset(SEEDS)
    print(f"Tokens per request besides the article (o200k_base), mean of {len(dataset)} seeds:")
    print(f"  {'mode':13} {'messages':>8} {'schema':>7} {'overhead':>8} {'article':>7}")
    for mode in Mode:
        backend = LLMBackend(LLMSettings(base_url="http://127.0.0.1:9/v1", mode=mode))
        rows = []
        for item in dataset:
            body = backend.request_body(item.article)
            article = tokens(item.article.body)
            messages = sum(tokens(message["content"]) for message in body["messages"]) - article
            fields = {
                k: v for k, v in body.items() if k not in ("messages", "model", "temperature")
            }
            schema = tokens(json.dumps(fields, separators=(",", ":"))) if fields else 0
            rows.append((messages, schema, article))
        messages, schema, article = (statistics.mean(column) for column in zip(*rows, strict=True))
        total = messages + schema
        print(f"  {mode.value:13} {messages:8.0f} {schema:7.0f} {total:8.0f} {article:7.0f}")

    from tests.eval_support import gold_payload

    replies: list[Any] = [tokens(json.dumps(gold_payload(item))) for item in dataset]
    print(
        f"Completion tokens of the gold replies: mean {statistics.mean(replies):.0f}, "
        f"max {max(replies)}"
    )

    codebooks = [*builtin_codebooks(), *(Codebook.load(path) for path in EXAMPLE_CODEBOOKS)]
    template = load_prompt()
    article = Article.from_text("Any article: the prefix does not depend on it.")
    print("Static prefix per codebook (o200k_base tokens):")
    print(f"  {'codebook':16} {'prefix':>6} {'schema':>6}")
    for codebook in codebooks:
        system, _ = template.render(article, codebook)
        schema = json.dumps(codebook.extraction_model.model_json_schema(), separators=(",", ":"))
        print(f"  {codebook.name:16} {tokens(system):6} {tokens(schema):6}")


if __name__ == "__main__":
    main()
