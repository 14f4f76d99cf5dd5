"""`summarize dataset` and summarizer.dataset: results of many articles to one row per event."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from summarizer import build_dataset
from summarizer.dataset.geo import load_gazetteer
from tests.llm_support import run_cli

MOSUL_BOMBING = {
    "event_type": "explosion_remote_violence",
    "date": "2024-03-01",
    "location": {"name": "Mosul", "country": "Iraq"},
    "actors": ["Islamic State", "Iraqi army"],
}
PROTEST = {
    "event_type": "protest",
    "date": "2024-03-02",
    "location": {"name": "Qaryat al-Zaytun", "country": "Iraq"},
    "actors": ["teachers"],
}


def event(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        **base,
        "fatalities": None,
        "summary": "Something happened.",
        "evidence": [{"text": "Something happened.", "start": 0, "end": 19}],
        **changes,
    }


def result(article_id: str, *events: dict[str, Any], key: str = "id") -> str:
    record = {
        key: article_id,
        "headline": "A headline",
        "brief": "A brief.",
        "events": list(events),
        "published": "2024-03-03",
        "dateline": "Baghdad",
        "backend": "offline",
        "prompt_version": "test",
    }
    return json.dumps(record)


def write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


FIRST_RUN = (
    result("wire-a", event(MOSUL_BOMBING, fatalities=3), event(PROTEST)),
    result("wire-b", event(MOSUL_BOMBING, fatalities=5), key="article_id"),
    result(
        "wire-c",
        event(
            MOSUL_BOMBING,
            fatalities={"min": 4, "max": 6},
            location={"name": "mosul", "country": "Iraq"},
            actors=["the Islamic State"],
        ),
    ),
    result("wire-d", event(PROTEST, date="2024-03-03")),
)


def test_one_row_per_event_with_every_source_the_lowest_toll_and_the_range(
    tmp_path: Path,
) -> None:
    results = write(tmp_path / "results.jsonl", *FIRST_RUN)
    out = tmp_path / "events.csv"

    built = run_cli(["dataset", str(results), "--out", str(out)])

    assert built.exit_code == 0, built.stderr
    rows = {row["event_type"]: row for row in read_csv(out)}
    assert len(read_csv(out)) == 2
    bombing, protest = rows["explosion_remote_violence"], rows["protest"]
    assert bombing["source"] == "wire-a; wire-b; wire-c"
    assert (bombing["fatalities"], bombing["fatalities_min"], bombing["fatalities_max"]) == (
        "3",
        "3",
        "6",
    )
    assert (
        "Fatalities reported differently: 3 (wire-a), 5 (wire-b), 4-6 (wire-c)"
        in (bombing["notes"])
    )
    assert (bombing["actor1"], bombing["actor2"]) == ("Islamic State", "Iraqi army")
    assert (bombing["articles"], bombing["n_sources"]) == ("3", "3")
    assert protest["source"] == "wire-a; wire-d"
    assert (protest["event_date"], protest["time_precision"]) == ("2024-03-02", "2")
    assert list(read_csv(out)[0])[:3] == ["event_id", "event_date", "year"]
    # The gazetteer places Mosul; a village it does not know stays off the map.
    assert (bombing["iso"], bombing["geo_precision"]) == ("IQ", "1")
    assert abs(float(bombing["latitude"]) - 36.34) < 0.1
    assert abs(float(bombing["longitude"]) - 43.13) < 0.1
    assert (protest["latitude"], protest["longitude"], protest["geo_precision"]) == ("", "", "")
    mentions = read_csv(tmp_path / "mentions.csv")
    assert len(mentions) == 5
    assert {m["event_id"] for m in mentions} == {bombing["event_id"], protest["event_id"]}
    first = next(m for m in mentions if m["mention_id"] == "wire-a#1")
    assert (first["published"], first["dateline"], first["evidence_1"], first["end_1"]) == (
        "2024-03-03",
        "Baghdad",
        "Something happened.",
        "19",
    )


def test_rebuilding_with_one_more_article_keeps_every_event_id(tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    run_cli(
        ["dataset", str(write(tmp_path / "a.jsonl", *FIRST_RUN)), "--out", str(first / "e.csv")]
    )
    before = read_csv(first / "e.csv")
    more = result(
        "wire-e",
        event(MOSUL_BOMBING, fatalities=7),
        event(PROTEST, location={"name": "Basra", "country": "Iraq"}),
    )
    rebuilt = run_cli(
        [
            "dataset",
            str(write(tmp_path / "b.jsonl", *FIRST_RUN, more)),
            "--out",
            str(tmp_path / "e.csv"),
            "--previous",
            str(first / "e.csv"),
        ]
    )

    after = {row["event_id"]: row for row in read_csv(tmp_path / "e.csv")}
    assert {row["event_id"] for row in before} <= after.keys()
    assert len(after) == 3
    assert "1 new, 1 changed, 1 unchanged, 0 removed" in rebuilt.stderr


def test_an_earlier_report_keeps_the_id_through_the_previous_mentions(tmp_path: Path) -> None:
    run_cli(
        [
            "dataset",
            str(write(tmp_path / "a.jsonl", *FIRST_RUN)),
            "--out",
            str(tmp_path / "old.csv"),
        ]
    )
    (tmp_path / "old").mkdir()
    (tmp_path / "mentions.csv").rename(tmp_path / "old" / "mentions.csv")
    (tmp_path / "old.csv").rename(tmp_path / "old" / "events.csv")
    earlier = result("wire-0", event(MOSUL_BOMBING, date="2024-02-29"))
    runs = write(tmp_path / "b.jsonl", *FIRST_RUN, earlier)

    without = {row["event_type"]: row["event_id"] for row in build_dataset([runs], geo=False).rows}
    run_cli(
        [
            "dataset",
            str(runs),
            "--out",
            str(tmp_path / "new.csv"),
            "--previous",
            str(tmp_path / "old" / "events.csv"),
            "--no-geo",
        ]
    )

    old = {row["event_type"]: row["event_id"] for row in read_csv(tmp_path / "old" / "events.csv")}
    new = {row["event_type"]: row["event_id"] for row in read_csv(tmp_path / "new.csv")}
    # The earliest date moved, so the content hash did; the previous build's id stays.
    assert without["explosion_remote_violence"] != old["explosion_remote_violence"]
    assert new == old


def test_events_without_a_date_or_place_are_never_merged(tmp_path: Path) -> None:
    results = write(
        tmp_path / "r.jsonl",
        result("a", event(MOSUL_BOMBING, date=None), event(PROTEST, location={})),
        result("b", event(MOSUL_BOMBING, date=None), event(PROTEST, location={})),
    )

    assert len(build_dataset([results], geo=False).rows) == 4


def test_the_window_and_shared_actors_decide(tmp_path: Path) -> None:
    results = write(
        tmp_path / "r.jsonl",
        result("a", event(PROTEST, date="2024-03-01")),
        result("b", event(PROTEST, date="2024-03-03")),
        result("c", event(PROTEST, date="2024-03-01", actors=["farmers"])),
    )

    assert len(build_dataset([results], geo=False).rows) == 3
    assert len(build_dataset([results], geo=False, window_days=2).rows) == 2


def test_explain_says_which_mentions_joined_and_why(tmp_path: Path) -> None:
    results = write(tmp_path / "r.jsonl", *FIRST_RUN)
    explain = tmp_path / "why.jsonl"

    run_cli(
        [
            "dataset",
            str(results),
            "--out",
            str(tmp_path / "e.csv"),
            "--explain",
            str(explain),
            "--no-geo",
        ]
    )

    merges = [json.loads(line) for line in explain.read_text(encoding="utf-8").splitlines()]
    bombing = next(m for m in merges if m["event_type"] == "explosion_remote_violence")
    assert bombing["mentions"] == ["wire-a#1", "wire-b#1", "wire-c#1"]
    assert bombing["joins"][1] == {
        "mention": "wire-c#1",
        "joined": "wire-a#1",
        "date": "same day",
        "place": "same place name 'mosul'",
        "actors": "share 'islamic state'",
    }
    protest = next(m for m in merges if m["event_type"] == "protest")
    assert protest["joins"][0]["date"] == "1 day apart (window 1)"


def test_extra_fields_become_columns_after_the_core_ones(tmp_path: Path) -> None:
    results = write(
        tmp_path / "r.jsonl",
        result("a", event(PROTEST, crowd_size=300, claims=["pay"])),
        result("b", event(PROTEST, crowd_size=300, claims=["pay", "pensions"])),
    )

    data = build_dataset([results], geo=False)

    assert data.columns[21:] == [
        "claims",
        "crowd_size",
        "fatalities_min",
        "fatalities_max",
        "articles",
        "n_sources",
    ]
    (row,) = data.rows
    assert (row["claims"], row["crowd_size"]) == ("pay; pensions", 300)


def test_the_gazetteer_never_guesses() -> None:
    gazetteer = load_gazetteer()
    assert gazetteer is not None
    # Paris is a town in France and in the United States: without a country, no place.
    assert gazetteer.resolve("Paris", None).precision is None
    paris = gazetteer.resolve("Paris", "France")
    assert (paris.iso, paris.precision) == ("FR", 1)
    assert gazetteer.resolve("Paris", "Atlantis").precision is None
    texas = gazetteer.resolve("Texas", "United States")
    assert (texas.admin1, texas.precision, texas.latitude) == ("Texas", 2, None)
    assert gazetteer.resolve(None, "Iraq").precision == 3


def test_geojson_holds_the_events_with_coordinates(tmp_path: Path) -> None:
    out = tmp_path / "events.geojson"

    run_cli(["dataset", str(write(tmp_path / "r.jsonl", *FIRST_RUN)), "--out", str(out)])

    (feature,) = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert feature["properties"]["location"] == "Mosul"
    assert feature["geometry"]["coordinates"][1] == pytest.approx(36.34, abs=0.1)


def test_parquet_has_the_same_rows(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "events.parquet"

    run_cli(
        ["dataset", str(write(tmp_path / "r.jsonl", *FIRST_RUN)), "--out", str(out), "--no-geo"]
    )

    table = pq.read_table(out).to_pylist()
    assert sorted(row["fatalities"] for row in table if row["fatalities"] is not None) == [3]
    assert len(table) == 2


def test_parquet_without_pyarrow_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # what an import of a missing module sees
    written = run_cli(
        [
            "dataset",
            str(write(tmp_path / "r.jsonl", *FIRST_RUN)),
            "--out",
            str(tmp_path / "e.parquet"),
        ]
    )

    assert written.exit_code == 2
    assert written.error_lines == [
        "Error: Parquet output needs pyarrow: pip install 'summarizer[parquet]'"
    ]


def test_bad_inputs_are_one_line_each(tmp_path: Path) -> None:
    results = write(
        tmp_path / "r.jsonl",
        "not json",
        json.dumps({"id": "x", "events": [{"event_type": "picnic"}]}),
        json.dumps({"id": "y", "error": {"type": "BackendError", "message": "down"}}),
        *FIRST_RUN,
    )
    out = tmp_path / "events.csv"

    built = run_cli(["dataset", str(results), "--out", str(out), "--no-geo"])

    assert built.exit_code == 1
    errors = [line for line in built.error_lines if line.startswith("Error:")]
    assert errors[0].startswith(f"Error: {results}:1: not a JSON line")
    assert errors[1].startswith(f"Error: {results}:2 (x): not a valid result: events[0].event_type")
    assert len(errors) == 2
    assert len(read_csv(out)) == 2

    wrong = run_cli(["dataset", str(results), "--out", str(tmp_path / "events.xlsx")])
    assert wrong.exit_code == 2
    assert wrong.error_lines == [
        f"Error: {tmp_path / 'events.xlsx'}: unknown output format '.xlsx'; "
        "use one of .csv, .parquet, .geojson"
    ]
    missing = run_cli(["dataset", str(tmp_path / "nope.jsonl"), "--out", str(out)])
    assert missing.exit_code == 1
    assert missing.error_lines == [f"Error: {tmp_path / 'nope.jsonl'}: No such file or directory"]


def test_eval_scores_merging_where_labels_have_event_keys() -> None:
    from summarizer import evaluate, open_pipeline

    keyed = evaluate("evals/multisource", open_pipeline("offline", cache=False))
    plain = evaluate("seeds", open_pipeline("offline", cache=False))

    # 8 articles report 4 events; the offline extractor reads one fire report as an
    # attack (a row of its own) and misses one shelling report: 5 rows.
    assert (keyed.metrics["merge_events"], keyed.metrics["merge_rows"]) == (4.0, 5.0)
    assert keyed.metrics["merge_pair_precision"] == 1.0
    assert keyed.metrics["merge_pair_recall"] == 1.0
    assert "merge_rows" not in plain.metrics
