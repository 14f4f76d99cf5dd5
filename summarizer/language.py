"""Which language an article is written in, told cheaply from its script and commonest words.

Enough to say "this is Chinese, not English" and to ask a model for a brief in
the article's language; not a general language identifier. A script that one
language dominates in news (Han without kana, Thai, Hebrew...) names it; text in
Latin or Cyrillic letters is told apart by a handful of function words.

>>> detect_language("Las tropas entraron en la ciudad el jueves por la mañana.")
'es'
>>> language_name("zh")
'Chinese'
"""

from __future__ import annotations

import re
from collections import Counter

from summarizer.errors import ConfigurationError

# The first characters are enough to tell a language, and keep detection cheap.
_SAMPLE_CHARS = 1500
# Too few words or letters to tell: no guess.
_MIN_LETTERS = 12
_MIN_WORDS = 3

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "km": "Khmer",
    "ko": "Korean",
    "lo": "Lao",
    "my": "Burmese",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ru": "Russian",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "zh": "Chinese",
}

# Each script's letters, and the language a script alone names.
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("kana", re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")),
    ("han", re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")),
    ("hangul", re.compile("[\uac00-\ud7af\u1100-\u11ff]")),
    ("arabic", re.compile("[\u0600-\u06ff\u0750-\u077f]")),
    ("hebrew", re.compile("[\u05d0-\u05ea]")),
    ("devanagari", re.compile("[\u0900-\u097f]")),
    ("thai", re.compile("[\u0e00-\u0e7f]")),
    ("lao", re.compile("[\u0e80-\u0eff]")),
    ("khmer", re.compile("[\u1780-\u17ff]")),
    ("myanmar", re.compile("[\u1000-\u109f]")),
    ("greek", re.compile("[\u0370-\u03ff]")),
    ("cyrillic", re.compile("[\u0400-\u04ff]")),
    ("latin", re.compile("[A-Za-z\u00c0-\u024f]")),
)
_SCRIPT_LANGUAGE = {
    "hangul": "ko",
    "hebrew": "he",
    "devanagari": "hi",
    "thai": "th",
    "lao": "lo",
    "khmer": "km",
    "myanmar": "my",
    "greek": "el",
}
# Letters that only Persian or Urdu add to the Arabic script.
_PERSIAN_LETTERS = re.compile("[\u067e\u0686\u0698\u06af\u06cc]")
_URDU_LETTERS = re.compile("[\u0679\u0688\u0691\u06ba\u06be\u06d2]")
_UKRAINIAN_LETTERS = re.compile("[\u0454\u0456\u0457\u0491\u0404\u0406\u0407\u0490]")


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# The commonest short words of each language, few of which the others share.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words("the of and to in is was that for on with said by from at"),
    "es": _words("el la los las de del que y en por con para una se según fue"),
    "fr": _words("le la les des du et est une dans pour que qui sur au selon"),
    "de": _words("der die das und ist nicht den dem ein eine mit von zu auf sich"),
    "pt": _words("o os as de do da dos das que e em uma para com foi não segundo"),
    "it": _words("il di che è la per una sono della del non gli nel alla"),
    "nl": _words("de het een en van is dat op te niet met voor zijn werd"),
    "tr": _words("ve bir bu da de için ile olarak çok daha gibi sonra"),
    "id": _words("yang dan di ke dari ini itu dengan untuk tidak pada adalah"),
    "ru": _words("и в не на что с по как это из за от он его было"),
    "uk": _words("і в не на що з по як це із за від він його було"),
}
_LATIN_LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "tr", "id")
_WORD = re.compile(r"[^\W\d_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# A language's name as a user writes it: letters, with spaces, hyphens or brackets
# ("Brazilian Portuguese", "Serbo-Croatian", "Chinese (Traditional)"). Nothing else
# reaches the prompt.
_LANGUAGE_NAME = re.compile(r"[^\W\d_]+(?:[ -]\(?[^\W\d_]+\)?){0,3}")


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or None when it cannot be told."""
    sample = text[:_SAMPLE_CHARS]
    if sample.isascii() or len(_NON_ASCII.findall(sample)) * 4 < len(sample):
        # Mostly ASCII: Latin letters, perhaps with accents, a curly quote or a foreign name.
        return _by_function_words(sample, _LATIN_LANGUAGES)
    counts = {name: len(pattern.findall(sample)) for name, pattern in _SCRIPTS}
    script, letters = max(counts.items(), key=lambda item: item[1])
    if script in ("han", "kana"):  # Japanese writes both: one script here
        letters = counts["han"] + counts["kana"]
    if letters < _MIN_LETTERS:
        return None
    # Japanese mixes kana into Han; Chinese has none.
    if script in ("han", "kana"):
        return "ja" if counts["kana"] * 10 > counts["han"] else "zh"
    if script == "arabic":
        if _URDU_LETTERS.search(sample):
            return "ur"
        return "fa" if _PERSIAN_LETTERS.search(sample) else "ar"
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script]
    if script == "cyrillic":
        if _UKRAINIAN_LETTERS.search(sample):
            return "uk"
        return _by_function_words(sample, ("ru", "uk")) or "ru"
    return _by_function_words(sample, _LATIN_LANGUAGES)


def _by_function_words(sample: str, candidates: tuple[str, ...]) -> str | None:
    """The candidate whose commonest words the sample uses most; None if it uses none."""
    words = Counter(_WORD.findall(sample.lower()))
    if sum(words.values()) < _MIN_WORDS:
        return None
    hits = {
        language: sum(words[word] for word in _FUNCTION_WORDS[language]) for language in candidates
    }
    best = max(candidates, key=hits.__getitem__)  # the first listed wins a tie
    return best if hits[best] else None


def language_name(code: str) -> str:
    """The English name of a language code, or the code when it is not one listed."""
    return LANGUAGE_NAMES.get(code, code)


def parse_language(value: str) -> str:
    """A language a user names, as its English name: "es", "ES" and "spanish" are "Spanish".

    A name not listed is kept as written, so any language a model knows can be asked for.
    """
    cleaned = " ".join(value.split())
    if not _LANGUAGE_NAME.fullmatch(cleaned):
        raise ConfigurationError(
            f"{value!r} is not a language name; give one such as Spanish or es"
        )
    by_name = {name.casefold(): name for name in LANGUAGE_NAMES.values()}
    return LANGUAGE_NAMES.get(cleaned.lower()) or by_name.get(cleaned.casefold()) or cleaned
