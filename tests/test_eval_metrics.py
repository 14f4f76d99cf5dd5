"""The scorer: gold labels score 1.0; each kind of mistake lowers exactly its own metrics."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from summarizer.evaluation import (
    HEADLINE_METRICS,
    LOWER_IS_BETTER,
    SANITY_CHECKS,
    ArticleResult,
    Dataset,
    LabelledArticle,
    aggregate,
    load_dataset,
    score_article,
)
from summarizer.evaluation.agreement import fatalities_agree
from summarizer.evaluation.metrics import mentions, rouge_l_f1
from summarizer.schema import FatalityRange
from tests.conftest import SEEDS
from tests.eval_support import gold_payload, gold_summary, unchecked_summary, write_json

SEED_IDS = sorted(path.stem for path in (SEEDS / "labels").glob("*.json"))
MEASURED = (*HEADLINE_METRICS, *SANITY_CHECKS)


def perfect(name: str) -> float:
    return 0.0 if name in LOWER_IS_BETTER else 1.0


def imperfect(metrics: dict[str, float | None]) -> dict[str, float]:
    """The headline metrics and sanity checks that are measured and not perfect."""
    return {
        name: value
        for name in MEASURED
        if (value := metrics[name]) is not None and value != perfect(name)
    }


@pytest.fixture(scope="module")
def seeds() -> Dataset:
    return load_dataset(SEEDS)


@pytest.mark.parametrize("article_id", SEED_IDS)
def test_gold_labels_fed_back_score_perfectly(seeds: Dataset, article_id: str) -> None:
    (item,) = [item for item in seeds if item.id == article_id]

    score = score_article(item, gold_summary(item))

    assert imperfect(score.metrics()) == {}
    assert score.metrics()["unsupported_numbers"] == 0
    assert score.perfect
    # Each gold event found itself, not a look-alike.
    matched = [*score.pairs, *score.optional_matches]
    assert sorted((m.predicted, m.gold) for m in matched) == [
        (i, i) for i in range(len(item.label.events))
    ]


def test_gold_labels_fed_back_score_one_on_every_aggregate_metric(seeds: Dataset) -> None:
    results = [ArticleResult(score_article(item, gold_summary(item))) for item in seeds]

    metrics = aggregate(results)

    assert {name: metrics[name] for name in MEASURED} == {name: perfect(name) for name in MEASURED}


# -- one mistake at a time, on an article written for it ---------------------------------

ARTICLE = """date 2019-04-12 Maiduguri: Boko Haram fighters attacked an army base in \
Ngamdu, in Nigeria's Borno state, on Wednesday, killing at least 7 soldiers, two security \
sources said. Residents said 11 soldiers had died.

On Thursday the Nigerian Air Force bombed a Boko Haram camp in the Sambisa Forest, the \
military said, without giving a toll.

Boko Haram's insurgency has killed more than 30,000 people since 2009.
"""

LABEL: dict[str, Any] = {
    "id": "nigeria-ngamdu-attack",
    "published": "2019-04-12",
    "dateline": "Maiduguri",
    "brief": "Boko Haram fighters attacked an army base in Ngamdu, Borno state, on "
    "Wednesday, killing at least 7 soldiers. The Nigerian Air Force bombed a Boko Haram "
    "camp in the Sambisa Forest on Thursday.",
    "must_mention": [["Boko Haram", "BH"], ["Ngamdu"], ["Borno"]],
    "aliases": {
        "Boko Haram": ["BH", "Jama'atu Ahlis Sunna"],
        "Nigerian army": ["army", "troops", "soldiers"],
        "Nigerian Air Force": ["NAF", "air force"],
        "Sambisa Forest": ["Sambisa"],
    },
    "events": [
        {
            "required": True,
            "event_type": "battle",
            "date": "2019-04-10",
            "location": {"name": "Ngamdu", "country": "Nigeria"},
            "actors": ["Boko Haram", "Nigerian army"],
            "fatalities": {"min": 7, "max": 11},
            "summary": "Boko Haram fighters attacked an army base in Ngamdu.",
        },
        {
            "required": True,
            "event_type": "explosion_remote_violence",
            "sub_event_type": "air/drone strike",
            "date": "2019-04-11",
            "location": {"name": "Sambisa Forest", "country": "Nigeria"},
            "actors": ["Nigerian Air Force", "Boko Haram"],
            "fatalities": None,
            "summary": "The air force bombed a Boko Haram camp in the Sambisa Forest.",
        },
        {
            "required": False,
            "event_type": "battle",
            "date": None,
            "location": {"name": None, "country": "Nigeria"},
            "actors": ["Boko Haram"],
            "fatalities": None,
            "summary": "Boko Haram's insurgency has killed more than 30,000 since 2009.",
        },
    ],
}


@pytest.fixture(scope="module")
def item(tmp_path_factory: pytest.TempPathFactory) -> LabelledArticle:
    root = tmp_path_factory.mktemp("dataset")
    (root / "articles").mkdir()
    (root / "labels").mkdir()
    (root / "articles" / f"{LABEL['id']}.txt").write_text(ARTICLE, encoding="utf-8")
    write_json(root / "labels" / f"{LABEL['id']}.json", LABEL)
    (only,) = load_dataset(root).items
    return only


Change = Callable[[dict[str, Any]], None]


def set_event(index: int, **fields: Any) -> Change:
    def change(payload: dict[str, Any]) -> None:
        payload["events"][index].update(fields)

    return change


def drop_event(index: int) -> Change:
    return lambda payload: payload["events"].pop(index)


def add_extra_event(payload: dict[str, Any]) -> None:
    payload["events"].append(
        {
            "event_type": "health",
            "date": "2019-01-02",
            "location": {"name": "Borno", "country": "Nigeria"},
            "actors": ["World Health Organization"],
            "fatalities": None,
            "summary": "An outbreak was declared.",
            "evidence": ["Residents said 11 soldiers had died."],
        }
    )


def set_field(name: str, value: str) -> Change:
    return lambda payload: payload.update({name: value})


def spell_with_aliases(payload: dict[str, Any]) -> None:
    first, second, background = payload["events"]
    first["actors"] = ["the BH", "Troops"]
    first["location"] = {"name": "NGAMDU", "country": "nigeria"}
    second["actors"] = ["NAF", "Jama\u2019atu Ahlis Sunna"]  # typographic apostrophe
    second["location"] = {"name": "Sambisa", "country": "Nigeria"}
    background["actors"] = ["B.H."]


MISTAKES: dict[str, tuple[Change, dict[str, float]]] = {
    "wrong date": (
        set_event(0, date="2019-04-05"),
        {"date_accuracy": 0.5, "date_within_1d": 0.5},
    ),
    "date one day off": (set_event(0, date="2019-04-09"), {"date_accuracy": 0.5}),
    "missing event": (drop_event(1), {"event_recall": 0.5, "event_f1": 2 / 3}),
    "missing optional event": (drop_event(2), {}),
    "extra event": (add_extra_event, {"event_precision": 2 / 3, "event_f1": 0.8}),
    "alias spellings": (spell_with_aliases, {}),
    "wrong type": (set_event(1, event_type="battle"), {"type_accuracy": 0.5}),
    "fatalities outside the range": (set_event(0, fatalities=12), {"fatalities_accuracy": 0.5}),
    "fatalities inside the range": (set_event(0, fatalities=9), {}),
    "a range inside the range": (set_event(0, fatalities={"min": 8, "max": 10}), {}),
    "fatalities where the article gives none": (
        set_event(1, fatalities=3),
        {"fatalities_accuracy": 0.5},
    ),
    "wrong location": (
        set_event(1, location={"name": "Maiduguri", "country": "Nigeria"}),
        {"location_accuracy": 0.5},
    ),
    "a place the article never names": (
        set_event(1, location={"name": "Timbuktu", "country": "Mali"}),
        # Two events name a place (the third has none): one of them is not in the article.
        {"location_accuracy": 0.5, "locations_grounded": 0.5},
    ),
    "an actor missing": (set_event(1, actors=["Nigerian Air Force"]), {"actor_f1": 5 / 6}),
    "a must-mention fact missing": (
        set_field(
            "brief",
            "Boko Haram fighters attacked an army base in Ngamdu on Wednesday, killing at "
            "least 7 soldiers. The Nigerian Air Force bombed a Boko Haram camp in the "
            "Sambisa Forest on Thursday.",
        ),
        # Two of 33 reference words dropped: precision 1, recall 31/33.
        {"brief_must_mention_recall": 2 / 3, "brief_rouge_l": 62 / 64},
    ),
    "a must-mention fact in another case": (
        set_field("brief", LABEL["brief"].replace("Borno", "BORNO")),
        {},
    ),
    "an unsupported number": (
        set_field("headline", "Boko Haram kills 9 soldiers in Ngamdu"),
        {"unsupported_numbers": 1.0},
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_each_mistake_lowers_exactly_its_metrics(item: LabelledArticle, mistake: str) -> None:
    change, expected = MISTAKES[mistake]
    payload = copy.deepcopy(gold_payload(item))
    change(payload)

    score = score_article(item, unchecked_summary(item, payload))

    assert imperfect(score.metrics()) == pytest.approx(expected)
    aggregated = aggregate([ArticleResult(score)])
    assert imperfect(aggregated) == pytest.approx(expected)


def test_ungrounded_evidence_lowers_only_evidence_grounded(item: LabelledArticle) -> None:
    payload = gold_payload(item)
    payload["events"][0]["evidence"] = ["Boko Haram surrendered on Friday."]
    score = score_article(item, unchecked_summary(item, payload))

    assert imperfect(score.metrics()) == {"evidence_grounded": pytest.approx(2 / 3)}
    assert score.ungrounded == ("Boko Haram surrendered on Friday.",)


def test_an_article_without_a_valid_result_is_invalid_and_scores_zero_on_recall(
    item: LabelledArticle,
) -> None:
    failed = ArticleResult(score_article(item, None), error="HTTP 500", attempts=3)
    good = ArticleResult(score_article(item, gold_summary(item)))

    alone = failed.score.metrics()
    both = aggregate([failed, good])

    assert alone["valid_rate"] == 0.0
    assert alone["event_recall"] == 0.0
    assert alone["brief_must_mention_recall"] == 0.0
    assert alone["brief_rouge_l"] == 0.0
    assert alone["event_precision"] is None
    # Sanity checks measure valid results only.
    assert alone["unsupported_numbers"] is None
    assert alone["brief_length_ok"] is None
    assert both["brief_length_ok"] == 1.0
    assert both["valid_rate"] == 0.5
    assert both["event_recall"] == 0.5
    assert both["event_precision"] == 1.0
    assert both["type_accuracy"] == 1.0
    assert both["retries"] == 2.0


def test_run_figures_sum_tokens_and_retries_and_price_them(item: LabelledArticle) -> None:
    from summarizer.cost import Prices

    score = score_article(item, gold_summary(item))
    results = [
        ArticleResult(score, latency_s=1.0, attempts=2, tokens_in=1000, tokens_out=200),
        ArticleResult(score, latency_s=3.0, cached=True, tokens_in=500, tokens_out=100),
    ]

    metrics = aggregate(results, Prices(input=2.0, output=10.0))

    assert metrics["retries"] == 1
    assert metrics["tokens_in"] == 1500
    assert metrics["tokens_out"] == 300
    assert metrics["latency_mean_s"] == 2.0
    assert metrics["latency_max_s"] == 3.0
    assert metrics["cached_articles"] == 1
    cost = (1500 * 2 + 300 * 10) / 1_000_000
    assert metrics["cost"] == pytest.approx(cost)
    assert metrics["cost_per_article"] == pytest.approx(cost / 2)
    assert metrics["cost_per_matched_event"] == pytest.approx(cost / metrics["true_positives"])
    assert aggregate(results)["cost"] is None
    assert aggregate(results)["cost_per_article"] is None


def test_rouge_l() -> None:
    assert rouge_l_f1("the cat sat on the mat", "the cat sat on the mat") == 1.0
    assert rouge_l_f1("The CAT sat.", "the cat sat") == 1.0
    assert rouge_l_f1("dogs bark", "the cat sat") == 0.0
    # LCS "the cat the mat" (4): precision 4/6, recall 4/5.
    assert rouge_l_f1("the cat sat on the mat", "the cat ate the mat") == pytest.approx(
        2 * (4 / 6) * (4 / 5) / (4 / 6 + 4 / 5)
    )
    assert rouge_l_f1("", "") == 1.0
    assert rouge_l_f1("", "something") == 0.0


def test_mentions_are_whole_words_case_and_spelling_insensitive() -> None:
    assert mentions("Troops entered al-Baaj on Thursday.", ["Baaj"])
    assert mentions("Storm hits KRAKOW", ["Kraków"])
    assert mentions("Forces took Ba\u2019aj.", ["Ba'aj"])
    assert mentions("Rates rose to 2.25%.", ["2.25%"])
    assert not mentions("Baajville was quiet.", ["Baaj"])
    assert not mentions("They killed 370 people.", ["37"])
    assert not mentions("Nothing here.", ["", "   "])


def test_fatalities_agree() -> None:
    assert fatalities_agree(5, 5)
    assert fatalities_agree(None, None)
    assert not fatalities_agree(0, None)
    assert not fatalities_agree(None, 0)
    assert fatalities_agree(14, FatalityRange(min=14, max=19))
    assert fatalities_agree(19, FatalityRange(min=14, max=19))
    assert not fatalities_agree(20, FatalityRange(min=14, max=19))
    assert fatalities_agree(FatalityRange(min=15, max=19), FatalityRange(min=14, max=19))
    assert not fatalities_agree(FatalityRange(min=10, max=19), FatalityRange(min=14, max=19))
    assert not fatalities_agree(FatalityRange(min=4, max=6), 5)
    assert fatalities_agree(FatalityRange(min=5, max=5), 5)


def test_seeds_folder_exists() -> None:
    # Guards the parametrisation above: no seeds would silently test nothing.
    assert SEED_IDS, f"no labels under {Path(SEEDS) / 'labels'}"
