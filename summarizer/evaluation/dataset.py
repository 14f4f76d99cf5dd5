"""The labelled-article contract: load a data set folder and check every file against it.

A data set is `articles/<id>.txt` plus `labels/<id>.json` (see the contract in the
project's spec). Loading never skips a bad file and never stops at the first one:
every problem is collected, named by file and field, and raised together as one
`DatasetError`, so a person fixing a data set sees the whole list at once.

Labels follow a codebook: the one the caller names, else the data set's own
`codebook.yaml`, else $SUMMARIZER_CODEBOOK, else `news`. Its types are the label
events' types, its subtypes their sub-types, and its extra fields sit flat on each
label event (`label_model` builds the label's model from the codebook's own event
fields). A field a label event leaves out is not scored (`stated_fields`).

>>> dataset = load_dataset("seeds")
>>> [item.label.id for item in dataset.items][:2]
['brazil-sao-paulo-fare-protests', 'burkina-boungou-mine-convoy']
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, create_model
from pydantic_core import ErrorDetails

from summarizer.article import ID_PATTERN, Article
from summarizer.codebook import DEFAULT_CODEBOOK, Codebook, load_codebook_or_fail
from summarizer.codebook.models import copied_field
from summarizer.errors import DatasetError, InputError, json_error_text
from summarizer.readers import decode_text
from summarizer.schema import EventFields, ValidationContext
from summarizer.text import AliasTable, name_key

ARTICLES_DIR = "articles"
LABELS_DIR = "labels"
# The codebook a data set's labels follow, at its root (the labelled-article contract).
CODEBOOK_FILE = "codebook.yaml"


class GoldEvent(EventFields):
    """A hand-labelled event: the scored fields of a prediction, plus whether it must be found.

    This is the `news` codebook's label event; another codebook's is built by
    `label_model` from that codebook's event fields and these two label keys.
    """

    required: bool = Field(
        True,
        description="True: missing it costs recall. False: background, neither for nor against.",
    )
    event_key: str | None = Field(
        None,
        description="Events with the same key, in any articles of the data set, are one "
        "real-world event; what dataset merging is scored against.",
    )


class Label(BaseModel):
    """The hand label of one article, as `labels/<id>.json` states it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    published: dt.date | None = None
    dateline: str | None = None
    brief: str = Field(min_length=1)
    must_mention: list[list[str]] = Field(default_factory=list)
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    events: list[GoldEvent]

    # Built once per label from `aliases`.
    _names: AliasTable = PrivateAttr(default_factory=AliasTable)

    def model_post_init(self, context: Any, /) -> None:
        self._names = AliasTable(self.aliases)

    def canonical(self, name: str | None) -> str | None:
        """The form in which this label compares a place or party name; None stays None.

        >>> (item,) = [i for i in load_dataset("seeds") if i.id == "iraq-baaj-offensive"]
        >>> item.label.canonical("the IS")
        'islamic state'
        """
        return self._names.canonical(name)


@cache
def label_model(codebook: Codebook) -> type[Label]:
    """The label of an article coded with `codebook`: its events are the codebook's
    scored event fields (types, subtypes, extra fields, core switches, and their
    validators) plus the label keys of `GoldEvent`; built once per codebook."""
    gold_event: Any = create_model(
        "GoldEvent",
        __base__=codebook.models.scored_event,
        __doc__=GoldEvent.__doc__,
        required=copied_field(GoldEvent, "required"),
        event_key=copied_field(GoldEvent, "event_key"),
    )
    events: Any = list[gold_event]
    return create_model(
        "Label",
        __base__=Label,
        __doc__=Label.__doc__,
        events=(events, copied_field(Label, "events")[1]),
    )


def stated_fields(event: BaseModel) -> frozenset[str]:
    """The fields a label event states: one it leaves out is not scored (a `null` it
    gives is a value, and is)."""
    return frozenset(event.model_fields_set)


def _news() -> Codebook:
    return Codebook.load(DEFAULT_CODEBOOK)


@dataclass(frozen=True)
class LabelledArticle:
    """One article of a data set with its hand label, and the codebook the label follows."""

    article: Article
    label: Label
    codebook: Codebook = field(default_factory=_news)

    @property
    def id(self) -> str:
        return self.article.id


@dataclass(frozen=True)
class Dataset:
    """A checked data set: every article has a valid label and the reverse, sorted by id."""

    root: Path
    items: tuple[LabelledArticle, ...]
    codebook: Codebook = field(default_factory=_news)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[LabelledArticle]:
        return iter(self.items)


def load_dataset(
    root: str | os.PathLike[str], *, codebook: Codebook | str | os.PathLike[str] | None = None
) -> Dataset:
    """Load and check a data set folder; raise DatasetError listing every problem found.

    Labels are checked against `codebook` (a Codebook, a file or a built-in name),
    else the folder's own codebook.yaml, else $SUMMARIZER_CODEBOOK, else `news`; a
    broken codebook raises CodebookError before any label is read.

    >>> len(load_dataset("seeds"))
    20
    """
    folder = Path(root)
    if not folder.is_dir():
        raise DatasetError(str(folder), [f"{folder}: no such folder"])
    chosen = dataset_codebook(folder, codebook)
    model = label_model(chosen)
    problems: list[str] = []
    articles = _files(folder, ARTICLES_DIR, ".txt", problems)
    labels = _files(folder, LABELS_DIR, ".json", problems)
    items: list[LabelledArticle] = []
    for article_id in sorted(articles.keys() | labels.keys()):
        article_path, label_path = articles.get(article_id), labels.get(article_id)
        if label_path is None:
            problems.append(
                f"{ARTICLES_DIR}/{article_id}.txt: no label (expected "
                f"{LABELS_DIR}/{article_id}.json)"
            )
        if article_path is None:
            problems.append(
                f"{LABELS_DIR}/{article_id}.json: no article (expected "
                f"{ARTICLES_DIR}/{article_id}.txt)"
            )
        # Each file is still checked on its own, so one run reports its problems too.
        article = _read_article(article_path, article_id, problems) if article_path else None
        label = _read_label(label_path, article_id, model, chosen, problems) if label_path else None
        if article is not None and label is not None:
            problems.extend(_header_mismatches(article, label))
            items.append(LabelledArticle(article, label, chosen))
    if not problems and not items:
        problems.append(f"{ARTICLES_DIR}/: no articles (expected {ARTICLES_DIR}/<id>.txt)")
    if problems:
        raise DatasetError(str(folder), problems)
    return Dataset(folder, tuple(items), chosen)


def dataset_codebook(
    folder: Path, codebook: Codebook | str | os.PathLike[str] | None = None
) -> Codebook:
    """The codebook a data set's labels follow: the one named, else the folder's
    codebook.yaml, else $SUMMARIZER_CODEBOOK, else `news`."""
    if codebook is None and (folder / CODEBOOK_FILE).is_file():
        codebook = folder / CODEBOOK_FILE
    if isinstance(codebook, os.PathLike):
        codebook = Path(codebook)
    return load_codebook_or_fail(codebook)


def _files(root: Path, subfolder: str, suffix: str, problems: list[str]) -> dict[str, Path]:
    """The data files of one subfolder by id; names that break the contract are problems."""
    folder = root / subfolder
    if not folder.is_dir():
        problems.append(f"{subfolder}/: missing folder")
        return {}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        # Hidden files (.gitkeep, .DS_Store) are the file system's, not the data set's.
        if path.name.startswith("."):
            continue
        where = f"{subfolder}/{path.name}"
        if not path.is_file() or path.suffix != suffix:
            problems.append(f"{where}: not a {suffix} file; {subfolder}/ holds <id>{suffix} only")
        elif not ID_PATTERN.fullmatch(path.stem):
            problems.append(
                f"{where}: id {path.stem!r} breaks the id pattern [a-z0-9][a-z0-9-]* "
                "(lower-case letters, digits and '-')"
            )
        else:
            found[path.stem] = path
    return found


def _read_article(path: Path, article_id: str, problems: list[str]) -> Article | None:
    where = f"{ARTICLES_DIR}/{path.name}"
    try:
        text = decode_text(path.read_bytes(), where)
        return Article.from_text(text, id=article_id, source=where)
    except OSError as error:
        problems.append(f"{where}: {error.strerror or error}")
    except InputError as error:
        problems.append(str(error))
    return None


def _read_label(
    path: Path, article_id: str, model: type[Label], codebook: Codebook, problems: list[str]
) -> Label | None:
    where = f"{LABELS_DIR}/{path.name}"
    try:
        raw = path.read_text(encoding="utf-8")
        document = json.loads(raw)
    except OSError as error:
        problems.append(f"{where}: {error.strerror or error}")
        return None
    except UnicodeDecodeError as error:
        problems.append(f"{where}: not UTF-8 text (invalid byte at offset {error.start})")
        return None
    except json.JSONDecodeError as error:
        problems.append(f"{where}: bad JSON ({json_error_text(error)})")
        return None
    if not isinstance(document, dict):
        problems.append(f"{where}: expected a JSON object, found {type(document).__name__}")
        return None
    try:
        # Strict: a JSON label states dates as "YYYY-MM-DD" strings and counts as numbers;
        # lax parsing would read `"date": 2017` as a Unix timestamp in 1970.
        label = model.model_validate_json(raw, strict=True, context=_label_context(document))
    except ValidationError as error:
        problems.extend(f"{where}: {message}" for message in _describe_errors(error, codebook))
        return None
    found = [f"{where}: {message}" for message in _label_problems(label, article_id)]
    problems.extend(found)
    return None if found else label


def _label_context(document: dict[str, Any]) -> ValidationContext:
    """The label's own publication date, so event dates after it are reported."""
    published = document.get("published")
    try:
        return {"published": dt.date.fromisoformat(published)} if published else {}
    except (TypeError, ValueError):
        return {}  # reported as a bad date by validation itself


def _label_problems(label: Label, article_id: str) -> list[str]:
    problems = []
    if label.id != article_id:
        problems.append(f"id: {label.id!r} does not match the file name ({article_id!r})")
    for number, fact in enumerate(label.must_mention):
        if not fact or not all(spelling.strip() for spelling in fact):
            problems.append(
                f"must_mention[{number}]: each fact is a non-empty list of non-empty spellings"
            )
    owners: dict[str, str] = {}
    for canonical, spellings in label.aliases.items():
        for spelling in (canonical, *spellings):
            key = name_key(spelling)
            owner = owners.setdefault(key, canonical)
            # One spelling under two canonical names would make name matching ambiguous.
            if name_key(owner) != name_key(canonical):
                problems.append(
                    f"aliases.{canonical}: {spelling!r} is also a spelling of {owner!r}"
                )
    return problems


def _header_mismatches(article: Article, label: Label) -> list[str]:
    """Label fields that contradict the article's dateline header."""
    where = f"{LABELS_DIR}/{label.id}.json"
    problems = []
    if label.published != article.published:
        header = article.published.isoformat() if article.published else "no header"
        stated = label.published.isoformat() if label.published else "null"
        problems.append(f"{where}: published: {stated}, but the article header says {header}")
    if (
        label.dateline is not None
        and article.dateline is not None
        and name_key(label.dateline) != name_key(article.dateline)
    ):
        problems.append(
            f"{where}: dateline: {label.dateline!r}, but the article header says "
            f"{article.dateline!r}"
        )
    return problems


def _describe_errors(error: ValidationError, codebook: Codebook) -> list[str]:
    """One message per problem, in the contract's words, located as in the JSON."""
    messages: list[str] = []
    seen_fatalities: set[str] = set()
    for detail in error.errors():
        path = _json_path(detail)
        if path.endswith("].fatalities"):
            # A union reports one error per alternative; the person needs one line.
            if path not in seen_fatalities:
                seen_fatalities.add(path)
                messages.append(_fatalities_message(path, error, codebook))
            continue
        message = _message(detail, codebook)
        messages.append(f"{path}: {message}" if path else message)
    return messages


def _json_path(detail: ErrorDetails) -> str:
    """`events[1].location.name` from Pydantic's location, without union member tags."""
    path = ""
    for part in detail["loc"]:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
        if part == "fatalities":
            break  # what follows names a union alternative, not a field of the document
    return path


def _message(detail: ErrorDetails, codebook: Codebook) -> str:
    kind = detail["type"]
    given = detail.get("input")
    if detail["loc"][-1:] == ("event_type",) and kind in ("enum", "value_error"):
        choices = ", ".join(codebook.types)
        return f"unknown event type {given!r} (the codebook {codebook.name} has: {choices})"
    if kind.startswith("date"):
        return f"bad date {given!r} (expected YYYY-MM-DD or null)"
    if kind == "missing":
        return "missing (required)"
    if kind == "extra_forbidden":
        return (
            f"unknown field (neither the contract nor the codebook {codebook.name} has it; "
            "check the spelling)"
        )
    return detail["msg"].removeprefix("Value error, ")


def _fatalities_message(path: str, error: ValidationError, codebook: Codebook) -> str:
    details = [detail for detail in error.errors() if _json_path(detail) == path]
    for detail in details:
        if detail["type"] == "value_error":
            return f"{path}: {_message(detail, codebook)}"
    given = details[0].get("input") if details else None
    return (
        f"{path}: bad fatalities {given!r} (expected an integer >= 0, "
        '{"min": a, "max": b}, or null)'
    )
