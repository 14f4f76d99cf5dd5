"""Recall on the long labelled document, for the events of its first and its second half.

Run from the repository root (seconds; prints figures, asserts nothing):

    python -m evals.longdoc_recall

Two runs of evals/longdoc, each scored with the eval's own matching
(`evaluation.matching.match_events`, the label's aliases):

- `offline`: the offline extractor, which reads the document whole;
- `loopback gold per chunk`: the openai backend against the loopback server,
  the document read in chunks of `--chunk-tokens` (default 1,000: five chunks),
  each chunk answered with the gold events it states (those one of whose quotes
  in evals/longdoc/evidence.json it holds). This measures what chunking,
  offsets and merging keep of a perfect model's answers, not a model.

A gold event is in the half where its first quote starts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from summarizer.backends import get_backend
from summarizer.backends.llm import LLMBackend
from summarizer.evaluation.dataset import load_dataset
from summarizer.evaluation.matching import match_events
from summarizer.pipeline import Pipeline
from summarizer.schema import ArticleSummary
from summarizer.settings import LLMSettings
from tests.llm_support import LOOPBACK_MODEL
from tests.loopback import LoopbackServer
from tests.test_longdoc import chunk_reply

FOLDER = Path(__file__).parent / "longdoc"


def recall_by_half(summary: ArticleSummary, item_id: str) -> tuple[str, str]:
    (item,) = [item for item in load_dataset(FOLDER) if item.id == item_id]
    quotes = json.loads((FOLDER / "evidence.json").read_text(encoding="utf-8"))[item_id]
    middle = len(item.article.text) // 2
    found = {match.gold for match in match_events(summary.events, item.label)}
    halves: list[str] = []
    for first_half in (True, False):
        wanted = [
            index
            for index, event_quotes in enumerate(quotes)
            if item.label.events[index].required
            and (item.article.text.index(event_quotes[0]) < middle) == first_half
        ]
        hit = sum(index in found for index in wanted)
        halves.append(f"{hit}/{len(wanted)} = {hit / len(wanted):.2f}")
    return halves[0], halves[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk-tokens", type=int, default=1_000)
    args = parser.parse_args()
    (item,) = list(load_dataset(FOLDER))
    rows = []
    with Pipeline(get_backend("offline")) as offline:
        rows.append(("offline (whole)", offline.run(item.article).summary, 1))
    with LoopbackServer() as server:
        server.respond_with(chunk_reply)
        settings = LLMSettings(model=LOOPBACK_MODEL, base_url=server.base_url, api_key="no-key")
        with Pipeline(LLMBackend(settings), chunk_tokens=args.chunk_tokens) as chunked:
            summary = chunked.run(item.article).summary
            rows.append(("loopback gold per chunk", summary, len(chunked.plan(item.article))))
    print(f"{item.id}: {len(item.article.body.split()):,} words, {len(item.label.events)} events")
    print(f"{'run':<26}{'chunks':>7}  {'first half':>14}  {'second half':>14}")
    for name, result, chunks in rows:
        first, second = recall_by_half(result, item.id)
        print(f"{name:<26}{chunks:>7}  {first:>14}  {second:>14}")


if __name__ == "__main__":
    main()
