"""Codebooks: the file format, its checks, the models and the prompt made from one."""

from __future__ import annotations

import json
import pickle
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer.article import Article
from summarizer.codebook import Codebook, CodebookError, load_codebook_or_fail
from summarizer.codebook.format import CodebookFormat
from summarizer.prompts import load_prompt
from summarizer.schema import ArticleSummary, EventType, Extraction, schema_version
from tests.llm_support import run_cli

ROOT = Path(__file__).resolve().parent.parent
PROTEST = ROOT / "examples" / "codebooks" / "protest.yaml"
NEWS_PROMPT_BEFORE = Path(__file__).parent / "data" / "news-system-prompt-before-codebooks.txt"

# The smallest valid codebook; each test of a problem breaks one thing of it.
MINIMAL = """\
name: mini
types:
  demonstration:
    definition: People gather in public for a cause.
  riot:
    definition: A crowd uses violence.
"""

EXAMPLE_TEXT = "About 300 nurses marched in Lyon on Tuesday to demand higher pay."


def _example(**event: Any) -> str:
    """A codebook with fields and one example whose event is given, as YAML."""
    base: dict[str, Any] = {
        "event_type": "demonstration",
        "summary": "Nurses marched in Lyon.",
        "evidence": ["About 300 nurses marched in Lyon"],
        "crowd_size": 300,
    }
    base.update(event)
    data = {
        "name": "mini",
        "types": {
            "demonstration": {"definition": "People gather in public for a cause."},
            "riot": {"definition": "A crowd uses violence."},
        },
        "fields": {"crowd_size": {"type": "integer", "min": 0, "quote": True}},
        "examples": [{"text": EXAMPLE_TEXT, "brief": "Nurses marched in Lyon.", "events": [base]}],
    }
    return json.dumps(data, indent=2)  # JSON is YAML, one key a line


def _check(tmp_path: Path, text: str) -> tuple[int, list[str], str]:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli(["codebook", "check", str(path)])
    return result.exit_code, result.stderr.splitlines(), str(path)


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


# --- summarize codebook check: one test per problem ------------------------------


def test_check_accepts_the_example_codebook() -> None:
    result = run_cli(["codebook", "check", str(PROTEST)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.strip().endswith(": ok")


def test_check_reports_bad_yaml_at_its_line(tmp_path: Path) -> None:
    code, lines, path = _check(tmp_path, MINIMAL + "  riot: [unclosed\n  other: x\n")
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:")
    assert "not valid YAML" in lines[0]


def test_check_reports_an_unknown_key_with_the_keys_allowed(tmp_path: Path) -> None:
    text = MINIMAL.replace("  riot:\n", "  riot:\n    defintion: typo\n")
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    line = _line_of(text, "defintion")
    assert (
        f"{path}:{line}: types.riot.defintion: unknown key; the keys here are: definition"
        in (lines[0])
    )


def test_check_reports_a_type_without_a_definition(tmp_path: Path) -> None:
    text = MINIMAL + "  strike:\n    keywords: [strike]\n"
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    assert lines == [
        f"{path}:{_line_of(text, 'strike:')}: types.strike.definition: a type needs a definition"
    ]


def test_check_reports_an_enum_without_values(tmp_path: Path) -> None:
    text = MINIMAL + "fields:\n  police_response:\n    type: enum\n"
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    assert lines == [
        f"{path}:{_line_of(text, 'police_response')}: fields.police_response: "
        "an enum field needs `values` (a list, or value -> definition)"
    ]


def test_check_reports_a_field_named_like_a_core_field(tmp_path: Path) -> None:
    text = MINIMAL + "fields:\n  actors:\n    type: list\n"
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    assert lines == [
        f"{path}:{_line_of(text, 'actors')}: fields.actors: 'actors' is a core field of "
        "every event; name the extra field otherwise"
    ]


def test_check_reports_an_example_quote_not_in_its_text(tmp_path: Path) -> None:
    text = _example(evidence=["Nurses stormed the town hall"])
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    assert lines[0].startswith(
        f"{path}:{_line_of(text, 'evidence')}: examples.0.events.0.evidence:"
    )
    assert "'Nurses stormed the town hall'" in lines[0]
    assert "do not occur in the example's text" in lines[0]


def test_check_reports_an_example_quoted_value_not_in_its_text(tmp_path: Path) -> None:
    text = _example(crowd_size=3000)
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    assert len(lines) == 1
    line = _line_of(text, '"crowd_size": 3000')
    where = f"{path}:{line}: examples.0.events.0.crowd_size:"
    assert lines[0].startswith(where)
    assert "crowd_size 3000 is not a number the example's text states" in lines[0]


def test_check_reports_an_example_type_not_in_the_codebook(tmp_path: Path) -> None:
    text = _example(event_type="strike")
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    assert lines[0] == (
        f"{path}:{_line_of(text, 'event_type')}: examples.0.events.0.event_type: "
        "event_type 'strike' is not a type of the codebook 'mini'; use one of: demonstration, riot"
    )


def test_check_reports_an_example_field_not_in_the_codebook(tmp_path: Path) -> None:
    text = _example(banner_count=4)
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    assert lines[0] == (
        f"{path}:{_line_of(text, 'banner_count')}: examples.0.events.0.banner_count: "
        "not a field of the codebook (nor a core field)"
    )


def test_check_reports_an_example_brief_over_the_limit(tmp_path: Path) -> None:
    data = json.loads(_example())
    data["brief"] = {"max_words": 3}
    text = json.dumps(data, indent=2)
    code, lines, path = _check(tmp_path, text)
    assert code == 2
    assert lines[0] == (
        f"{path}:{_line_of(text, 'Nurses marched in Lyon.')}: examples.0.brief: "
        "the brief has 4 words; shorten it to at most 3"
    )


def test_check_warns_of_a_type_no_example_shows_without_failing(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    text = _example()
    path.write_text(text, encoding="utf-8")
    result = run_cli(["codebook", "check", str(path)])
    assert result.exit_code == 0
    assert f"{path}:{_line_of(text, 'riot')}: types.riot: warning: no example shows this type" in (
        result.stdout
    )


def test_every_command_given_a_broken_codebook_fails_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(MINIMAL + "colour: blue\n", encoding="utf-8")
    result = run_cli(["codebook", "show", str(path)])
    assert result.exit_code == 2
    expected = f"{path}:7: colour: unknown key; the keys here are: name, description, types"
    assert result.stderr.startswith(f"Error: {expected}")
    with pytest.raises(CodebookError, match="colour: unknown key") as raised:
        load_codebook_or_fail(path)
    assert raised.value.problems[0].startswith(expected)


def test_an_example_file_is_read_relative_to_the_codebook(tmp_path: Path) -> None:
    (tmp_path / "ex").mkdir()
    (tmp_path / "ex" / "lyon.txt").write_text(EXAMPLE_TEXT, encoding="utf-8")
    data = json.loads(_example())
    data["examples"][0] = {**data["examples"][0], "file": "ex/lyon.txt"}
    del data["examples"][0]["text"]
    path = tmp_path / "codebook.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    inline = tmp_path / "inline.yaml"
    inline.write_text(_example(), encoding="utf-8")
    loaded = Codebook.load(path)
    assert loaded.examples[0].text == EXAMPLE_TEXT
    # The hash is of the example's text, not of where it was read from.
    assert loaded.hash == Codebook.load(inline).hash


# --- built-ins --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["news", "acled"])
def test_each_builtin_loads_and_checks_clean(name: str) -> None:
    codebook = Codebook.load(name)
    assert codebook.name == name
    result = run_cli(["codebook", "check", name])
    assert result.exit_code == 0, result.stderr


def test_news_types_are_the_static_vocabulary() -> None:
    news = Codebook.load("news")
    assert list(news.types) == [member.value for member in EventType]
    assert news.event_type is EventType


def test_news_models_have_exactly_todays_json_schema() -> None:
    news = Codebook.load("news")
    for built, static in ((news.extraction_model, Extraction), (news.result_model, ArticleSummary)):
        assert json.dumps(built.model_json_schema()) == json.dumps(static.model_json_schema())
    schemas = [news.extraction_model.model_json_schema(), news.result_model.model_json_schema()]
    assert schemas == [Extraction.model_json_schema(), ArticleSummary.model_json_schema()]
    assert schema_version()  # built from the static classes, so unchanged


def test_acled_has_six_types_and_twenty_five_subtypes() -> None:
    acled = Codebook.load("acled")
    assert len(acled.types) == 6
    assert sum(len(kind.subtypes) for kind in acled.types.values()) == 25
    assert all(kind.definition for kind in acled.types.values())
    assert "most conservative" in acled.description


def test_list_names_each_builtin_on_one_line() -> None:
    result = run_cli(["codebook", "list"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["acled", "news"]
    assert "6 types, 25 subtypes" in lines[0]
    assert "(default)" in lines[1]


def test_schema_prints_the_format_schema_that_accepts_the_example() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    result = run_cli(["codebook", "schema"])
    schema = json.loads(result.stdout)
    data = json.loads(json.dumps(yaml.safe_load(PROTEST.read_text()), default=str))
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "colour": "blue"}, schema)


def test_show_renders_types_fields_and_values() -> None:
    result = run_cli(["codebook", "show", str(PROTEST)])
    assert result.exit_code == 0, result.stderr
    for text in ("protest-monitor", "demonstration", "crowd_size", "tear_gas", "examples: 2"):
        assert text in result.stdout


# --- the models ---------------------------------------------------------------------

ARTICLE = (
    "About 2,500 teachers marched in Porto on Saturday against a pay freeze, "
    "called by the Fenprof union. Police arrested two people."
)


def _event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_type": "demonstration",
        "sub_event_type": "march",
        "location": {"name": "Porto", "country": "Portugal"},
        "crowd_size": 2500,
        "claims": ["against a pay freeze"],
        "police_response": ["arrests"],
        "organizer": "Fenprof union",
        "summary": "Teachers marched in Porto.",
        "evidence": ["About 2,500 teachers marched in Porto"],
    }
    event.update(changes)
    return event


@pytest.fixture(scope="module")
def protest() -> Codebook:
    return Codebook.load(PROTEST)


def _reason(protest: Codebook, context: dict[str, Any] | None, **changes: Any) -> str:
    model = protest.models.extracted_event
    with pytest.raises(ValidationError) as raised:
        model.model_validate(_event(**changes), context=context)
    return str(raised.value)


def test_a_protest_event_validates_against_its_article(protest: Codebook) -> None:
    event = protest.models.extracted_event.model_validate(
        _event(), context={"article_text": ARTICLE}
    )
    assert getattr(event, "crowd_size") == 2500  # noqa: B009


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"event_type": "strike"},
            "event_type 'strike' is not a type of the codebook 'protest-monitor'; "
            "use one of: demonstration, riot",
        ),
        (
            {"sub_event_type": "picket"},
            "sub_event_type 'picket' is not a subtype of demonstration; "
            "use one of: march, rally, blockade, or null",
        ),
        (
            {"police_response": ["kettling"]},
            "police_response has 'kettling', not among the codebook's values; use any of: "
            "none, tear_gas, water_cannon, arrests, force",
        ),
        ({"crowd_size": -4}, "crowd_size -4 is below its minimum, 0"),
    ],
)
def test_a_value_outside_the_codebook_fails_with_its_reason(
    protest: Codebook, changes: dict[str, Any], reason: str
) -> None:
    assert reason in _reason(protest, {"article_text": ARTICLE}, **changes)
    assert reason in _reason(protest, None, **changes)  # with or without the article


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"organizer": "Teachers' Federation"},
            'organizer "Teachers\' Federation" does not occur in the article',
        ),
        (
            {"claims": ["higher pay"]},
            "these claims items do not occur in the article: 'higher pay'",
        ),
        ({"crowd_size": 3000}, "crowd_size 3000 is not a number the article states"),
    ],
)
def test_a_quoted_value_not_in_the_article_fails_only_with_the_article(
    protest: Codebook, changes: dict[str, Any], reason: str
) -> None:
    assert reason in _reason(protest, {"article_text": ARTICLE}, **changes)
    protest.models.extracted_event.model_validate(_event(**changes))  # no article: no check


def test_the_result_model_locates_evidence_and_keeps_extra_fields(protest: Codebook) -> None:
    extraction = protest.extraction_model.model_validate(
        {"headline": "Teachers march in Porto", "brief": "Teachers marched.", "events": [_event()]},
        context={"article_text": ARTICLE},
    )
    result = protest.result_model.model_validate(
        {
            **extraction.model_dump(),
            "article_id": "porto",
            "backend": "test",
            "prompt_version": "x",
        },
        context={"article_text": ARTICLE},
    )
    event = result.events[0]  # type: ignore[attr-defined]
    assert (event.evidence[0].start, event.evidence[0].end) == (0, 37)
    assert event.police_response == ["arrests"]


def test_core_fields_switched_off_leave_the_schema() -> None:
    spec = CodebookFormat.model_validate(
        {
            "name": "no-core",
            "types": {"strike": {"definition": "Workers stop work."}},
            "core": {"actors": False, "fatalities": False},
        }
    )
    properties = Codebook(spec, "test").models.extracted_event.model_json_schema()["properties"]
    assert "actors" not in properties and "fatalities" not in properties
    assert "location" in properties


def test_models_are_built_once_per_codebook_and_instances_pickle(protest: Codebook) -> None:
    again = Codebook.load(PROTEST)
    assert again.extraction_model is protest.extraction_model
    event = protest.models.extracted_event.model_validate(_event())
    assert pickle.loads(pickle.dumps(event)) == event
    copied = pickle.loads(pickle.dumps(protest))
    assert copied == protest and copied.hash == protest.hash


def test_from_model_makes_the_codebook_its_class_says() -> None:
    from typing import Annotated, Literal

    from pydantic import Field

    from summarizer import Event
    from summarizer.codebook import Quoted, TypeDefinitions

    class StrikeEvent(Event):
        event_type: Annotated[  # type: ignore[assignment]
            Literal["strike", "lockout"],
            TypeDefinitions({"strike": "Workers stop work.", "lockout": "An employer shuts out."}),
        ]
        workers: Annotated[int | None, Quoted()] = Field(None, ge=1, description="How many.")
        sectors: list[str] = Field(default_factory=list)

    codebook = Codebook.from_model(StrikeEvent)
    assert codebook.name == "strike-event"
    assert list(codebook.types) == ["strike", "lockout"]
    workers = codebook.fields["workers"]
    assert (workers.type, workers.min, workers.quote, workers.description) == (
        "integer",
        1,
        True,
        "How many.",
    )
    assert codebook.fields["sectors"].type == "list"
    reason = "workers 40 is not a number the article states"
    with pytest.raises(ValidationError, match=reason):
        codebook.models.extracted_event.model_validate(
            {"event_type": "strike", "workers": 40, "summary": "s", "evidence": ["Workers"]},
            context={"article_text": "Workers at the plant walked out."},
        )


def test_from_model_without_definitions_says_what_to_add() -> None:
    from typing import Literal

    from summarizer import Event

    class Bare(Event):
        event_type: Literal["strike"]  # type: ignore[assignment]

    with pytest.raises(CodebookError, match="TypeDefinitions"):
        Codebook.from_model(Bare)


# --- the prompt ---------------------------------------------------------------------


def _system_prompt(codebook: Codebook | None, article_text: str = "Troops entered Baaj.") -> str:
    return load_prompt().render(Article.from_text(article_text), codebook)[0]


def test_news_prompt_is_byte_identical_to_the_prompt_before_codebooks() -> None:
    before = NEWS_PROMPT_BEFORE.read_text(encoding="utf-8")
    assert _system_prompt(Codebook.load("news")) == before
    assert _system_prompt(None) == before


def test_the_types_line_is_rendered_from_the_codebook(tmp_path: Path) -> None:
    news = Codebook.load("news")
    glosses = "; ".join(f"{key} = {kind.definition}" for key, kind in news.types.items())
    assert f"- event_type: {glosses}.\n" in _system_prompt(news)
    path = tmp_path / "codebook.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    line = (
        "- event_type: demonstration = People gather in public for a cause; "
        "riot = A crowd uses violence.\n"
    )
    assert line in _system_prompt(Codebook.load(path))


def test_protest_prompt_holds_definitions_fields_and_examples(protest: Codebook) -> None:
    prompt = _system_prompt(protest)
    assert "demonstration = A public gathering of three or more people" in prompt
    assert "Subtypes: march = Participants move along a route" in prompt
    assert "Not online campaigns, petitions, press conferences." in prompt
    assert "- crowd_size: an integer, at least 0, or null; a figure the article states." in prompt
    assert (
        "police_response: a list of the values below. Values: none = Police did not intervene"
        in (prompt)
    )
    assert "Contentious collective action in public places." in prompt
    first = protest.examples[0]
    output = json.loads(prompt.split("</example-1>\n", 1)[1].split("\n", 1)[0])
    assert output["events"][0]["crowd_size"] == 400
    assert output["brief"] == first.brief
    assert (first.text or "").strip() in prompt


def test_the_codebook_prompt_is_the_same_bytes_for_every_article(protest: Codebook) -> None:
    one = _system_prompt(protest, "date 2024-01-02 Lyon: Nurses marched.")
    other = _system_prompt(protest, "Rioters burned cars in Nantes on Friday night.")
    assert one == other


def test_a_codebook_language_and_word_limit_reach_the_prompt(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(MINIMAL + "brief: {max_words: 40, language: English}\n", encoding="utf-8")
    codebook = Codebook.load(path)
    system, user = load_prompt().render(Article.from_text("Des manifestants ont défilé."), codebook)
    assert "at most 40 words" in system
    assert "Write the headline and brief in English." in user


# --- identity -----------------------------------------------------------------------


def test_hash_is_stable_across_key_order_comments_and_whitespace(tmp_path: Path) -> None:
    first = tmp_path / "first.yaml"
    first.write_text(MINIMAL, encoding="utf-8")
    second = tmp_path / "second.yaml"
    second.write_text(
        textwrap.dedent(
            """\
            # the same codebook, written otherwise
            types:
              riot: {definition: A crowd uses violence.}
              demonstration:


                definition:   People gather in public for a cause.
            name: mini
            """
        ),
        encoding="utf-8",
    )
    third = tmp_path / "third.yaml"
    third.write_text(MINIMAL.replace("uses violence", "turns violent"), encoding="utf-8")
    assert Codebook.load(first).hash == Codebook.load(second).hash
    assert Codebook.load(first).hash != Codebook.load(third).hash


def test_default_codebook_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setenv("SUMMARIZER_CODEBOOK", str(path))
    assert load_codebook_or_fail().name == "mini"
    monkeypatch.delenv("SUMMARIZER_CODEBOOK")
    assert load_codebook_or_fail().name == "news"
