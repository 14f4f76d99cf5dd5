"""Articles in every script: the grounding checks, the eval's text metrics, the brief's language.

The articles are written for these tests. The LLM path is exercised through the
loopback server with the real openai and instructor clients: a grounded answer
is accepted, an unsupported number or an invented quote is re-asked and then
fails with an error that says what was wrong.
"""

from __future__ import annotations

import copy
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import Article, ArticleFacts
from summarizer.backends.llm import LLMBackend
from summarizer.errors import InvalidOutputError
from summarizer.evaluation.metrics import mentions, rouge_l_f1
from summarizer.language import detect_language, parse_language
from summarizer.pipeline import Pipeline
from summarizer.prompts import prompt_variables
from summarizer.schema import Usage
from summarizer.text import count_words, grounding_form, numbers_in, split_sentences
from tests.llm_support import (
    chat_requests,
    llm_settings,
    messages,
    reply_with,
    run_cli,
    use_loopback,
    valid_reply,
)
from tests.loopback import LoopbackServer, Reply

CHINESE = (
    "date 2023-12-19 积石山: 甘肃省积石山县18日夜间发生6.2级地震。"
    "截至19日上午，地震已造成100多人死亡，另有200多人受伤。救援人员正在搜救被困群众。"
)
ARABIC = (
    "date 2024-03-02 حلب: قُتل ١٢ شخصا وأصيب ٣٠ آخرون في قصف على مدينة حلب يوم الجمعة، "
    "بحسب مصادر طبية. وقالت المصادر إن بين القتلى ٤ أطفال."
)
RUSSIAN = (
    "date 2024-05-10 Белгород: В пятницу в Белгороде обрушился подъезд жилого дома. "
    "Погибли 15 человек, ещё 20 пострадали. Спасатели продолжают работу на месте."
)
SPANISH = (
    "date 2024-02-15 Valparaíso: Los incendios forestales en la región de Valparaíso "
    "dejaron 131 muertos, según informó el gobierno chileno el jueves. Más de 1.600 "
    "viviendas resultaron destruidas en Viña del Mar."
)
JAPANESE = "東京都内で１５日午後、震度５弱の地震が発生し、３人が軽いけがをした。"
THAI = "เกิดแผ่นดินไหวขนาด 6.4 ที่จังหวัดเชียงราย มีผู้เสียชีวิต 2 คน"


def _payload(headline: str, brief: str, evidence: list[str]) -> dict[str, Any]:
    return {
        "headline": headline,
        "brief": brief,
        "events": [
            {
                "event_type": "disaster",
                "summary": brief,
                "evidence": evidence,
            }
        ],
    }


# Each article with a grounded answer whose quote is copied the way models copy:
# other digits, spaces by ideographs, vowel marks, decomposed accents.
GROUNDED = {
    "zh": (
        CHINESE,
        _payload(
            "积石山县发生6.2级地震",
            "甘肃省积石山县发生6.2级地震，已造成100多人死亡。",
            ["积石山县１８日夜间发生 6.2 级地震", "「地震已造成100多人死亡」"],
        ),
    ),
    "ar": (
        ARABIC,
        _payload(
            "قتلى في قصف على حلب",
            "قتل 12 شخصا وأصيب 30 آخرون في قصف على حلب.",
            ["قُتِلَ ١٢ شخصاً وأصيب ٣٠ آخرون في قصف على مدينة حلب"],
        ),
    ),
    "ru": (
        RUSSIAN,
        _payload(
            "В Белгороде обрушился подъезд дома",
            "В Белгороде обрушился подъезд жилого дома. Погибли 15 человек.",
            ["Погибли 15 человек, ещё 20 пострадали"],
        ),
    ),
    "es": (
        SPANISH,
        _payload(
            "Incendios en Valparaíso dejan 131 muertos",
            "Los incendios en Valparaíso dejaron 131 muertos. Más de 1.600 viviendas ardieron.",
            [unicodedata.normalize("NFD", "dejaron 131 muertos, según informó el gobierno")],
        ),
    ),
}
# A figure no article states, written in each article's way.
UNSUPPORTED = {"zh": "131", "ar": "١٥", "ru": "25", "es": "1.700"}


def _backend(server: LoopbackServer, **changes: Any) -> LLMBackend:
    return LLMBackend(llm_settings(server, **changes))


# -- the rules, one script at a time --------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("甘肃省积石山县发生6.2级地震，死亡131人", {"6.2", "131"}),
        ("قتل ١٢ شخصا و٣ جرحى، والخسائر ١٬٢٠٠ دولار", {"12", "3", "1200"}),
        ("東京で１５日、３人がけが", {"15", "3"}),
        ("เกิดแผ่นดินไหวขนาด 6.4 มีผู้เสียชีวิต 2 คน", {"6.4", "2"}),
        ("Погибли 12 человек", {"12"}),
        ("El Airbus A320 y la gripe H5N1: 1,200 casos", {"1200"}),
    ],
)
def test_numbers_are_found_in_every_script(text: str, numbers: set[str]) -> None:
    assert numbers_in(text) == numbers


@pytest.mark.parametrize(
    ("quote", "article"),
    [
        ("发生 ６.２ 级地震", "甘肃省积石山县发生6.2级地震。"),
        ("「地震已造成100多人死亡」", "截至19日上午，地震已造成100多人死亡，"),
        ("قُتِلَ ١٢ شخصاً", "قتل ١٢ شخصا في حلب"),
        (unicodedata.normalize("NFD", "Según informó"), "Según informó el gobierno"),
        ("Погибли 15 человек", "Погибли  15\nчеловек, ещё"),
    ],
)
def test_a_copied_quote_is_found_in_its_article(quote: str, article: str) -> None:
    assert grounding_form(quote) in grounding_form(article)


def test_a_changed_quote_is_not_found() -> None:
    assert grounding_form("发生7.0级地震") not in grounding_form("甘肃省积石山县发生6.2级地震。")
    assert grounding_form("قتل ١٥ شخصا") not in grounding_form("قتل ١٢ شخصا في حلب")


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("地震发生了。死亡131人！救援正在进行。", 3),
        ("В понедельник В. Путин прибыл. Погибли 12 человек. Работа идёт.", 3),
        ("¿Qué pasó? Él dijo que sí. Murieron 12 personas.", 3),
        ("قال المسؤول إن الهجوم وقع ليلا. قتل ١٢ شخصا؟ نعم", 3),
        ("Gen. Smith arrived in the U.S. on Monday. He met J. Doe.", 2),
        ("It happened, e.g. in Baaj. Then it ended.", 2),
    ],
)
def test_sentences_are_split_in_every_script(text: str, sentences: int) -> None:
    assert len(split_sentences(text)) == sentences


def test_words_of_scripts_without_spaces_are_counted_by_characters() -> None:
    # Without spaces a whole paragraph would be one "word" and pass any limit.
    assert count_words("甘肃省积石山县发生地震") == 6  # 11 characters, two to a word
    assert count_words("東京で地震 Tokyo quake") == 5
    assert count_words("แผ่นดินไหว") == 2  # 7 letters, 3 marks
    assert count_words("Murió él en Bogotá") == 4


def test_must_mention_finds_a_fact_inside_a_run_of_ideographs() -> None:
    assert mentions("甘肃省积石山县发生6.2级地震", ["积石山"])
    assert mentions("東京都内で地震が発生した", ["東京"])
    assert mentions("เกิดแผ่นดินไหวที่จังหวัดเชียงราย", ["เชียงราย"])
    assert not mentions("甘肃省积石山县发生地震", ["青海"])
    # Spaced scripts still need whole words.
    assert mentions("Troops entered al-Baaj.", ["Baaj"])
    assert not mentions("Troops entered Baajiya.", ["Baaj"])
    assert not mentions("В Белгородской области", ["Белгород"])


def test_rouge_l_compares_characters_of_scripts_without_spaces() -> None:
    # As whole "words" these share nothing; by character most of them.
    assert rouge_l_f1("甘肃省积石山县发生地震", "积石山县发生6.2级地震") > 0.6
    assert rouge_l_f1("甘肃省积石山县发生地震", "东京发生火灾") < 0.4
    assert rouge_l_f1("แผ่นดินไหวที่เชียงราย", "แผ่นดินไหวที่เชียงราย") == 1.0


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (CHINESE, "zh"),
        (JAPANESE + "被害の状況を調べている。", "ja"),
        (ARABIC, "ar"),
        (RUSSIAN, "ru"),
        (SPANISH, "es"),
        (THAI, "th"),
        ("Troops advanced on the town of Baaj on Thursday, officials said.", "en"),
        ("12 34", None),
    ],
)
def test_the_language_is_told_from_script_and_common_words(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_the_brief_language_is_the_articles_unless_one_is_named() -> None:
    chinese = Article.from_text(CHINESE)
    assert prompt_variables(chinese)["article_language"] == "Chinese"
    assert prompt_variables(chinese)["brief_language"] == "Chinese"
    asked = Article.from_text(CHINESE, facts=ArticleFacts(brief_language=parse_language("en")))
    assert prompt_variables(asked)["brief_language"] == "English"
    # The instructions are English: an English article is not told so.
    assert prompt_variables(Article.from_text("Troops retook the town."))["brief_language"] is None
    assert prompt_variables(asked)["article_language"] == "Chinese"


# -- through the loopback server ----------------------------------------------


@pytest.mark.parametrize("language", sorted(GROUNDED))
def test_a_grounded_answer_in_the_articles_language_is_accepted(
    loopback_server: LoopbackServer, language: str
) -> None:
    text, payload = GROUNDED[language]
    loopback_server.respond_with(lambda request: reply_with(request, payload))

    summary = Pipeline(_backend(loopback_server)).run(Article.from_text(text)).summary

    assert len(chat_requests(loopback_server)) == 1
    assert summary.brief == payload["brief"]
    assert [quote.text for quote in summary.events[0].evidence] == payload["events"][0]["evidence"]


@pytest.mark.parametrize("language", sorted(GROUNDED))
def test_an_unsupported_number_is_reasked_then_fails_clearly(
    loopback_server: LoopbackServer, language: str
) -> None:
    text, payload = GROUNDED[language]
    wrong = copy.deepcopy(payload)
    wrong["brief"] = f"{payload['brief']} {UNSUPPORTED[language]}"
    loopback_server.respond_with(lambda request: reply_with(request, wrong))

    with pytest.raises(InvalidOutputError) as caught:
        Pipeline(_backend(loopback_server, max_reasks=1)).run(Article.from_text(text))

    _, second = chat_requests(loopback_server)
    stated = numbers_in(UNSUPPORTED[language]).pop()
    assert (
        "the brief contains numbers the article does not state" in messages(second)[-1]["content"]
    )
    message = str(caught.value)
    assert "\n" not in message
    assert f"numbers the article does not state: {stated}" in message
    assert caught.value.attempts == 2


@pytest.mark.parametrize(
    ("language", "invented"),
    [
        ("zh", "积石山县发生7.0级地震"),
        ("ar", "قتل ٢٠ شخصا في حلب"),
        ("ru", "Погибли 40 человек"),
        ("es", "dejaron 200 muertos"),
    ],
)
def test_a_quote_not_in_the_article_is_reasked_then_fails_clearly(
    loopback_server: LoopbackServer, language: str, invented: str
) -> None:
    text, payload = GROUNDED[language]
    wrong = copy.deepcopy(payload)
    wrong["events"][0]["evidence"] = [invented]
    loopback_server.respond_with(lambda request: reply_with(request, wrong, usage=(700, 90)))

    with pytest.raises(InvalidOutputError) as caught:
        Pipeline(_backend(loopback_server, max_reasks=1)).run(Article.from_text(text))

    assert len(chat_requests(loopback_server)) == 2
    # The failure says what it cost: both requests' tokens.
    assert caught.value.usage == Usage(prompt_tokens=1400, completion_tokens=180)
    message = str(caught.value)
    assert "\n" not in message
    assert "evidence quotes do not occur in the article" in message
    assert repr(invented) in message


def test_a_chinese_brief_too_long_is_reasked(loopback_server: LoopbackServer) -> None:
    _, payload = GROUNDED["zh"]
    rambling = copy.deepcopy(payload)
    rambling["brief"] = "救援人员正在搜救被困群众" * 12  # 144 characters: 72 words
    loopback_server.script(Reply(rambling), Reply(payload))

    summary = Pipeline(_backend(loopback_server)).run(Article.from_text(CHINESE)).summary

    _, second = chat_requests(loopback_server)
    assert "the brief has 72 words" in messages(second)[-1]["content"]
    assert summary.brief == payload["brief"]


# -- the command line ---------------------------------------------------------


def test_offline_says_once_which_language_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "a-english.txt").write_text(
        "date 2023-12-19 Kabul: Troops clashed with militants near Kabul on Monday, "
        "killing 12 people, officials said.\n",
        encoding="utf-8",
    )
    (tmp_path / "b-chinese.txt").write_text(CHINESE, encoding="utf-8")
    (tmp_path / "c-chinese.txt").write_text(CHINESE.replace("18日", "17日"), encoding="utf-8")

    result = run_cli(["--backend", "offline", "--jsonl", "--ordered", str(tmp_path)])

    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("Note:")]
    assert notes == [
        "Note: b-chinese is in Chinese; the offline extractor reads English only. Use an "
        "LLM for it: set OPENAI_API_KEY, or OPENAI_BASE_URL / --base-url for a local server."
    ]
    briefs = [record["brief"] for record in result.results]
    assert len(briefs) == 3
    for brief in briefs[1:]:
        assert "。." not in brief and "。 ." not in brief


def test_offline_says_nothing_for_english(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "date 2023-12-19 Kabul: Troops clashed with militants near Kabul on Monday.\n",
        encoding="utf-8",
    )
    result = run_cli(["--backend", "offline", "--jsonl", str(tmp_path / "a.txt")])
    assert result.exit_code == 0
    assert "Note:" not in result.stderr


def test_brief_language_option_reaches_the_article_and_the_cache_key(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(valid_reply)
    article = tmp_path / "zh.txt"
    article.write_text(CHINESE, encoding="utf-8")

    first = run_cli(["--jsonl", str(article)])
    again = run_cli(["--jsonl", str(article)])
    in_english = run_cli(["--jsonl", "--brief-language", "en", str(article)])

    assert [r.exit_code for r in (first, again, in_english)] == [0, 0, 0]
    # Asked once in the article's language (then cached), once in English.
    assert len(chat_requests(loopback_server)) == 2


def test_brief_language_must_be_a_language_name() -> None:
    result = run_cli(["--brief-language", "say; anything", "-"], stdin="Some text.")
    assert result.exit_code == 2
    assert "is not a language name" in result.stderr


def test_the_prompt_asks_for_the_brief_in_its_language_after_what_every_article_shares(
    loopback_server: LoopbackServer,
) -> None:
    backend = LLMBackend(llm_settings(loopback_server))
    chinese = Article.from_text(CHINESE)
    english = Article.from_text(CHINESE, facts=ArticleFacts(brief_language=parse_language("en")))

    system, user = backend.request_body(chinese)["messages"]
    other_system, other_user = backend.request_body(english)["messages"]

    assert "Write the headline and brief in Chinese." in user["content"]
    assert "Write the headline and brief in English." in other_user["content"]
    assert system == other_system
