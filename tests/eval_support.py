"""What the eval tests share: gold labels turned into predictions, and a small data set.

A gold prediction is the label itself as a backend would return it: the label's
brief, every gold event with the article's first sentence as evidence, and a
headline made of the id's words (no digits, so no unsupported numbers).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from summarizer.evaluation import Dataset, LabelledArticle
from summarizer.schema import ArticleSummary
from summarizer.text import split_sentences
from tests.conftest import SEEDS
from tests.llm_support import article_block, reply_with
from tests.loopback import Fault, RecordedRequest, Reply, Responder, Step


def gold_payload(item: LabelledArticle) -> dict[str, Any]:
    """The label as an Extraction (JSON), every event grounded in the article's first sentence."""
    evidence = split_sentences(item.article.body)[0]
    return {
        "headline": item.label.id.replace("-", " ").capitalize(),
        "brief": item.label.brief,
        "events": [
            {
                **event.model_dump(mode="json", exclude={"required", "event_key"}),
                "evidence": [evidence],
            }
            for event in item.label.events
        ],
    }


def unchecked_summary(item: LabelledArticle, payload: dict[str, Any]) -> ArticleSummary:
    """An ArticleSummary built without the article as context, as a user's own output may be.

    The schema's checks against the article (evidence, numbers) stay out of the way,
    so a test can hand the scorer mistakes a backend's validators would have refused.
    """
    return ArticleSummary.model_validate(
        {**payload, "id": item.id, "backend": "test", "prompt_version": "test"}
    )


def gold_summary(item: LabelledArticle) -> ArticleSummary:
    """The gold prediction, checked against the article like a backend's result."""
    return ArticleSummary.model_validate(
        {**gold_payload(item), "id": item.id, "backend": "gold", "prompt_version": "gold"},
        context=item.article.validation_context(),
    )


def gold_responder(dataset: Dataset, *, failing: frozenset[str] = frozenset()) -> Responder:
    """A loopback responder answering each request from the label of the article it carries.

    Articles whose id is in `failing` get an HTTP 400, which the backend does not retry.
    """
    by_body = {item.article.body.strip(): item for item in dataset}

    def respond(request: RecordedRequest) -> Step:
        item = by_body[article_block(request).strip()]
        if item.id in failing:
            return Fault(400)
        reply: Reply = reply_with(request, gold_payload(item))
        return reply

    return respond


def copy_seeds(destination: Path, ids: list[str]) -> Path:
    """A data set of a few seed articles, to change or to run quickly."""
    for subfolder, suffix in (("articles", ".txt"), ("labels", ".json")):
        (destination / subfolder).mkdir(parents=True, exist_ok=True)
        for article_id in ids:
            shutil.copy(SEEDS / subfolder / f"{article_id}{suffix}", destination / subfolder)
    return destination


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path
