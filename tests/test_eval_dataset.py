"""The data set loader: every problem reported at once, by file and field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from summarizer import DatasetError, load_dataset
from tests.conftest import SEEDS
from tests.eval_support import write_json

ARTICLE = "date 2020-01-25 Elaz\u0131\u011f: A strong earthquake struck eastern Turkey on Friday.\n"
LABEL: dict[str, Any] = {
    "id": "quake",
    "published": "2020-01-25",
    "dateline": "Elaz\u0131\u011f",
    "brief": "A strong earthquake struck eastern Turkey on Friday.",
    "must_mention": [["earthquake", "quake"]],
    "aliases": {"Turkey": ["Türkiye"]},
    "events": [
        {
            "required": True,
            "event_type": "disaster",
            "date": "2020-01-24",
            "location": {"name": None, "country": "Turkey"},
            "actors": [],
            "fatalities": None,
            "summary": "An earthquake struck eastern Turkey.",
        }
    ],
}


def make_dataset(root: Path, articles: dict[str, str], labels: dict[str, Any]) -> Path:
    """A data set folder; a label given as str is written verbatim (for bad JSON)."""
    (root / "articles").mkdir(parents=True)
    (root / "labels").mkdir()
    for name, text in articles.items():
        (root / "articles" / name).write_text(text, encoding="utf-8")
    for name, label in labels.items():
        path = root / "labels" / name
        if isinstance(label, str):
            path.write_text(label, encoding="utf-8")
        else:
            write_json(path, label)
    return root


def label(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(LABEL), **changes}


def event(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(LABEL["events"][0]), **changes}


def problems_of(root: Path) -> list[str]:
    with pytest.raises(DatasetError) as raised:
        load_dataset(root)
    assert raised.value.root == str(root)
    return raised.value.problems


def test_a_good_data_set_loads(tmp_path: Path) -> None:
    root = make_dataset(tmp_path, {"quake.txt": ARTICLE}, {"quake.json": LABEL})

    dataset = load_dataset(root)

    assert [item.id for item in dataset] == ["quake"]
    (item,) = dataset.items
    assert item.article.published == item.label.published
    assert item.label.canonical("the Türkiye") == item.label.canonical("TURKEY") == "turkey"


def test_the_seeds_satisfy_the_contract() -> None:
    dataset = load_dataset(SEEDS)

    # Every article and every label on disk is in the data set, each label with the
    # article of its own id: none is passed over, nothing is paired wrongly.
    articles = sorted(path.stem for path in (SEEDS / "articles").glob("*.txt"))
    labels = sorted(path.stem for path in (SEEDS / "labels").glob("*.json"))
    assert [item.id for item in dataset] == articles == labels
    assert all(item.label.id == item.article.id for item in dataset)
    assert all(item.label.published == item.article.published for item in dataset)


def test_every_kind_of_problem_is_reported_with_its_file_and_field(tmp_path: Path) -> None:
    articles = {
        "quake.txt": ARTICLE,
        "no-label.txt": ARTICLE,
        "bad-json.txt": ARTICLE,
        "bad-type.txt": ARTICLE,
        "bad-date.txt": ARTICLE,
        "other-id.txt": ARTICLE,
        "Bad_Name.txt": ARTICLE,
        "late.txt": ARTICLE,
        "range.txt": ARTICLE,
        "extra.txt": ARTICLE,
        "header.txt": ARTICLE,
        "missing.txt": ARTICLE,
        "aliases.txt": ARTICLE,
        "empty.txt": "   \n",
        "notes.md": "not an article",
    }
    labels = {
        "quake.json": LABEL,
        "no-article.json": label(id="no-article"),
        "bad-json.json": '{"id": "bad-json", "events": [}',
        "bad-type.json": label(id="bad-type", events=[event(event_type="bombing")]),
        "bad-date.json": label(id="bad-date", events=[event(date="24/01/2020")]),
        "other-id.json": label(id="something-else"),
        "Bad_Name.json": label(id="Bad_Name"),
        "late.json": label(id="late", events=[event(date="2020-01-26")]),
        "range.json": label(id="range", events=[event(fatalities={"min": 9, "max": 3})]),
        "extra.json": label(id="extra", events=[event(fatality=3)], notes="x"),
        "header.json": label(id="header", published="2020-01-24"),
        "missing.json": {"id": "missing", "published": "2020-01-25"},
        "aliases.json": label(
            id="aliases",
            aliases={"Turkey": ["Anatolia"], "Anatolia Province": ["anatolia"]},
            must_mention=[[]],
        ),
        "empty.json": label(id="empty"),
    }
    root = make_dataset(tmp_path, articles, labels)

    problems = problems_of(root)

    expected = [
        "articles/no-label.txt: no label (expected labels/no-label.json)",
        "labels/no-article.json: no article (expected articles/no-article.txt)",
        "labels/bad-json.json: bad JSON (Expecting value at line 1, column 31)",
        "labels/bad-type.json: events[0].event_type: unknown event type 'bombing'",
        "labels/bad-date.json: events[0].date: bad date '24/01/2020'",
        "labels/other-id.json: id: 'something-else' does not match the file name ('other-id')",
        "articles/Bad_Name.txt: id 'Bad_Name' breaks the id pattern",
        "labels/Bad_Name.json: id 'Bad_Name' breaks the id pattern",
        "labels/late.json: events[0].date: date 2020-01-26 is after the publication date",
        "labels/range.json: events[0].fatalities: fatalities min (9) is greater than max (3)",
        "labels/extra.json: events[0].fatality: unknown field",
        "labels/extra.json: notes: unknown field",
        "labels/header.json: published: 2020-01-24, but the article header says 2020-01-25",
        "labels/missing.json: brief: missing",
        "labels/missing.json: events: missing",
        "labels/aliases.json: must_mention[0]: each fact is a non-empty list",
        "labels/aliases.json: aliases.Anatolia Province: 'anatolia' is also a spelling of 'Turkey'",
        "articles/empty.txt: the input is empty",
        "articles/notes.md: not a .txt file",
    ]
    for wanted in expected:
        assert any(problem.startswith(wanted) for problem in problems), (wanted, problems)
    assert len(problems) == len(expected), problems
    assert not any("quake" in problem for problem in problems)


def test_fatalities_of_the_wrong_shape_are_one_problem(tmp_path: Path) -> None:
    root = make_dataset(
        tmp_path,
        {"quake.txt": ARTICLE},
        {"quake.json": label(events=[event(fatalities="22")])},
    )

    assert problems_of(root) == [
        "labels/quake.json: events[0].fatalities: bad fatalities '22' (expected an integer "
        '>= 0, {"min": a, "max": b}, or null)'
    ]


def test_a_date_is_a_string_not_a_timestamp(tmp_path: Path) -> None:
    root = make_dataset(
        tmp_path, {"quake.txt": ARTICLE}, {"quake.json": label(events=[event(date=2020)])}
    )

    assert problems_of(root) == [
        "labels/quake.json: events[0].date: bad date 2020 (expected YYYY-MM-DD or null)"
    ]


def test_an_article_without_a_header_needs_published_null(tmp_path: Path) -> None:
    headless = "A strong earthquake struck eastern Turkey on Friday.\n"
    root = make_dataset(tmp_path, {"quake.txt": headless}, {"quake.json": LABEL})

    assert problems_of(root) == [
        "labels/quake.json: published: 2020-01-25, but the article header says no header"
    ]

    (tmp_path / "labels" / "quake.json").write_text(
        json.dumps(label(published=None, dateline=None)), encoding="utf-8"
    )
    assert load_dataset(tmp_path).items[0].label.published is None


def test_missing_folders_and_empty_data_sets(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such folder"]
    assert problems_of(tmp_path) == ["articles/: missing folder", "labels/: missing folder"]
    (tmp_path / "articles").mkdir()
    (tmp_path / "labels").mkdir()
    (tmp_path / "articles" / ".gitkeep").write_text("")
    assert problems_of(tmp_path) == ["articles/: no articles (expected articles/<id>.txt)"]


def test_the_error_message_counts_and_shows_problems(tmp_path: Path) -> None:
    root = make_dataset(tmp_path, {f"a{i}.txt": ARTICLE for i in range(7)}, {})

    with pytest.raises(DatasetError, match=r"7 problem\(s\): articles/a0.txt: no label.*2 more"):
        load_dataset(root)
