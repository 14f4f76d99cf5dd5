"""Labelling: a run's results, corrected by a person, saved as a labelled data set.

A `LabellingSession` holds the articles to label (in the results' order), the
codebook, and the data set folder. The results pre-fill each article's label; a
label already saved in the folder wins over them, so a session resumes where the
last one stopped. Each save writes, atomically and only inside the folder:

    DIR/articles/<id>.txt     the article text (its header included)
    DIR/labels/<id>.json      the label, in the labelled-article contract
    DIR/review/<id>.json      what the contract has no key for: whether the person
                              marked the article reviewed, and each label event's
                              evidence (character offsets into the article)
    DIR/codebook.yaml         the codebook, when it is not the built-in `news`

A label is written only once the contract's own loader accepts it
(`load_dataset` over a one-article copy of the folder), so `summarize eval DIR`
runs on whatever was saved.

    session = LabellingSession.open(Path("labels-2024"), articles, results, codebook)
    session.save("iraq-baaj-offensive", {"brief": "...", "events": [...], "reviewed": True})
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.article import ID_PATTERN, Article
from summarizer.codebook import Codebook
from summarizer.errors import DatasetError, validation_error_text
from summarizer.evaluation.dataset import ARTICLES_DIR, LABELS_DIR, load_dataset
from summarizer.results_file import iter_result_lines
from summarizer.storage import write_atomically

# What the label contract has no key for, one file per article beside the labels.
REVIEW_DIR = "review"
CODEBOOK_FILE = "codebook.yaml"
# Label keys the page may send besides the events; anything else is refused.
_LABEL_KEYS = ("brief", "must_mention", "aliases")
# Keys of a page's event that are the session's, not the label's.
# (`state`: pending or accepted; a rejected event is not in the label at all.)
_EVENT_STATE_KEYS = ("evidence", "state")


@dataclass(frozen=True)
class Prefill:
    """What a run said about one article: its brief and events (result JSON), or why it failed."""

    brief: str = ""
    events: tuple[dict[str, Any], ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Saved:
    """Where one save went, and the progress after it."""

    label_path: Path
    reviewed: int
    total: int


def valid_id(article_id: str) -> bool:
    """An id of the contract's pattern: a file name that cannot leave its folder."""
    return ID_PATTERN.fullmatch(article_id) is not None


def read_prefills(
    paths: Sequence[Path], articles: Mapping[str, Article], codebook: Codebook
) -> tuple[dict[str, Prefill], list[str]]:
    """The results of one or more JSON Lines files, by article id, validated with the
    codebook's result model against their articles; a line that cannot be used is a
    problem (one line each) and its article is labelled from nothing."""
    from pydantic import ValidationError

    prefills: dict[str, Prefill] = {}
    problems: list[str] = []
    for path in paths:
        for line in iter_result_lines(path):
            if line.record is None:
                problems.append(str(line.problem))
                continue
            record, where = line.record, line.where
            article_id = line.article_id or ""
            article = articles.get(article_id)
            if article is None:
                problems.append(f"{where}: no article given for id {article_id!r} (see --articles)")
                continue
            failure = record.get("error")
            if failure is not None:
                message = failure.get("message") if isinstance(failure, dict) else failure
                prefills[article_id] = Prefill(error=str(message))
                continue
            try:
                result = codebook.result_model.model_validate(
                    record, context=article.validation_context()
                )
            except ValidationError as invalid:
                problems.append(
                    f"{where} ({article_id}): not a valid {codebook.name} result: "
                    f"{validation_error_text(invalid, limit=1)}"
                )
                prefills[article_id] = Prefill(error=problems[-1])
                continue
            document = result.model_dump(mode="json")
            prefills[article_id] = Prefill(
                brief=document["brief"], events=tuple(document["events"])
            )
    return prefills, problems


def codebook_named_by(paths: Sequence[Path]) -> str | None:
    """The codebook the first result record names (`"codebook": {"name", "hash"}`), if any."""
    for path in paths:
        try:
            with path.open(encoding="utf-8") as stream:
                for line in stream:
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    named = record.get("codebook") if isinstance(record, dict) else None
                    if isinstance(named, dict) and isinstance(named.get("name"), str):
                        return str(named["name"])
        except (OSError, UnicodeDecodeError):
            continue  # reported when the results are read
    return None


def label_event_from_result(event: Mapping[str, Any], article_length: int) -> dict[str, Any]:
    """A result's event as a label event the page edits: every scored field, extra
    fields included, `required: true`, and its evidence as offsets."""
    labelled: dict[str, Any] = {"required": True}
    labelled.update((key, value) for key, value in event.items() if key != "evidence")
    labelled["evidence"] = [
        {"start": quote["start"], "end": quote["end"]}
        for quote in event.get("evidence", ())
        if isinstance(quote.get("start"), int)
        and isinstance(quote.get("end"), int)
        and 0 <= quote["start"] <= quote["end"] <= article_length
    ]
    return labelled


class LabellingSession:
    """The articles to label, their pre-fills, the codebook and the data set folder.

    Safe to call from the server's threads: saves are serialised by one lock.
    """

    def __init__(
        self,
        root: Path,
        articles: Sequence[Article],
        prefills: Mapping[str, Prefill],
        codebook: Codebook,
    ) -> None:
        self.root = root
        self.codebook = codebook
        self.articles = {article.id: article for article in articles}
        self.order = [article.id for article in articles]
        self.prefills = dict(prefills)
        self._lock = threading.Lock()
        self.saves = 0

    # -- reading ------------------------------------------------------------------------

    def label_path(self, article_id: str) -> Path:
        return self.root / LABELS_DIR / f"{article_id}.json"

    def _review_path(self, article_id: str) -> Path:
        return self.root / REVIEW_DIR / f"{article_id}.json"

    def _read_json(self, path: Path) -> dict[str, Any] | None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        return document if isinstance(document, dict) else None

    def is_reviewed(self, article_id: str) -> bool:
        state = self._read_json(self._review_path(article_id))
        return bool(state and state.get("reviewed"))

    def progress(self) -> tuple[int, int]:
        """Articles marked reviewed, of all the session's articles."""
        return sum(map(self.is_reviewed, self.order)), len(self.order)

    def overview(self) -> dict[str, Any]:
        """The page's list: each article's id and state, the progress, the codebook."""
        reviewed, total = self.progress()
        return {
            "articles": [
                {
                    "id": article_id,
                    "reviewed": self.is_reviewed(article_id),
                    "saved": self.label_path(article_id).exists(),
                }
                for article_id in self.order
            ],
            "reviewed": reviewed,
            "total": total,
            "codebook": self.codebook_for_page(),
            "dataset": str(self.root),
        }

    def codebook_for_page(self) -> dict[str, Any]:
        """What the page's widgets need: types with subtypes, extra fields, core switches."""
        return {
            "name": self.codebook.name,
            "types": {
                name: {"definition": spec.definition, "subtypes": list(spec.subtypes)}
                for name, spec in self.codebook.types.items()
            },
            "fields": {
                name: {
                    "type": spec.type,
                    "description": spec.description,
                    "values": list(spec.value_definitions),
                    "multiple": spec.multiple,
                    "min": spec.min,
                    "max": spec.max,
                }
                for name, spec in self.codebook.fields.items()
            },
            "core": {
                "actors": self.codebook.core.actors,
                "fatalities": self.codebook.core.fatalities,
            },
        }

    def article_state(self, article_id: str) -> dict[str, Any]:
        """One article for the page: its text, and its label as saved, else as the run
        pre-fills it; raises KeyError for an id the session does not hold."""
        article = self.articles[article_id]
        saved = self._read_json(self.label_path(article_id))
        state = self._read_json(self._review_path(article_id)) or {}
        prefill = self.prefills.get(article_id, Prefill())
        if saved is not None:
            evidence = state.get("evidence") or []
            states = state.get("states") or []
            events = [
                {
                    **event,
                    "evidence": evidence[index] if index < len(evidence) else [],
                    "state": states[index] if index < len(states) else "accepted",
                }
                for index, event in enumerate(saved.get("events", []))
            ]
            label = {key: saved.get(key) for key in _LABEL_KEYS}
        else:
            events = [
                {**label_event_from_result(event, len(article.text)), "state": "pending"}
                for event in prefill.events
            ]
            label = {"brief": prefill.brief, "must_mention": [], "aliases": {}}
        return {
            "id": article_id,
            "text": article.text,
            "published": article.published.isoformat() if article.published else None,
            "dateline": article.dateline,
            "source": article.source,
            "error": prefill.error,
            "saved": saved is not None,
            "reviewed": bool(state.get("reviewed")),
            **label,
            "events": events,
        }

    # -- writing ------------------------------------------------------------------------

    def save(self, article_id: str, submission: Mapping[str, Any]) -> Saved:
        """Check and write one article's label (see the module docstring).

        Raises DatasetError listing the label's problems (nothing is written then),
        KeyError for an id the session does not hold.
        """
        if not valid_id(article_id):
            raise KeyError(article_id)
        article = self.articles[article_id]
        label, evidence, states = self._label_from(article, submission)
        label_text = json.dumps(label, ensure_ascii=False, indent=2) + "\n"
        problems = self._contract_problems(article, label_text)
        if problems:
            raise DatasetError(str(self.label_path(article_id)), problems)
        state = {
            "reviewed": bool(submission.get("reviewed")),
            "evidence": evidence,
            "states": states,
        }
        with self._lock:
            self._write_codebook()
            write_atomically(self.root / ARTICLES_DIR / f"{article_id}.txt", article.text)
            write_atomically(self.label_path(article_id), label_text)
            write_atomically(
                self._review_path(article_id), json.dumps(state, ensure_ascii=False) + "\n"
            )
            self.saves += 1
        reviewed, total = self.progress()
        return Saved(self.label_path(article_id), reviewed, total)

    def _label_from(
        self, article: Article, submission: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[list[dict[str, int]]], list[str]]:
        """The contract's label, and each event's evidence and state, from what the page sent."""
        unknown = sorted(set(submission) - {*_LABEL_KEYS, "events", "reviewed"})
        if unknown:
            raise DatasetError(article.id, [f"{key}: not a key the page sends" for key in unknown])
        events = submission.get("events") or []
        if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
            raise DatasetError(article.id, ["events: expected a list of objects"])
        label: dict[str, Any] = {
            "id": article.id,
            "published": article.published.isoformat() if article.published else None,
            "dateline": article.dateline,
            "brief": submission.get("brief", ""),
            "must_mention": submission.get("must_mention") or [],
            "aliases": submission.get("aliases") or {},
            "events": [
                {key: value for key, value in event.items() if key not in _EVENT_STATE_KEYS}
                for event in events
            ],
        }
        evidence = [_offsets(event.get("evidence"), len(article.text)) for event in events]
        states = ["pending" if event.get("state") == "pending" else "accepted" for event in events]
        return label, evidence, states

    def _contract_problems(self, article: Article, label_text: str) -> list[str]:
        """The loader's problems with this label, checked on a one-article copy of the
        data set (with its codebook): the very checks `summarize eval` makes."""
        with tempfile.TemporaryDirectory(prefix="label-check-") as folder:
            copy = Path(folder)
            (copy / ARTICLES_DIR).mkdir()
            (copy / LABELS_DIR).mkdir()
            (copy / ARTICLES_DIR / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
            (copy / LABELS_DIR / f"{article.id}.json").write_text(label_text, encoding="utf-8")
            codebook = self.codebook_file_text()
            if codebook is not None:
                (copy / CODEBOOK_FILE).write_text(codebook, encoding="utf-8")
            try:
                load_dataset(copy)
            except DatasetError as error:
                return list(error.problems)
        return []

    def codebook_file_text(self) -> str | None:
        """The codebook as the data set's codebook.yaml; None for the built-in `news`,
        which a data set without the file follows."""
        if self.codebook.is_default:
            return None
        import yaml

        name, digest = self.codebook.name, self.codebook.hash
        header = f"# The codebook these labels follow ({name}, hash {digest}).\n"
        return header + yaml.safe_dump(
            self.codebook.spec.model_dump(mode="json", exclude_defaults=True),
            sort_keys=False,
            allow_unicode=True,
        )

    def _write_codebook(self) -> None:
        text = self.codebook_file_text()
        path = self.root / CODEBOOK_FILE
        if text is None:
            return
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != text:
            write_atomically(path, text)


def _offsets(value: Any, length: int) -> list[dict[str, int]]:
    """Evidence the page sent, kept only as spans inside the article."""
    if not isinstance(value, list):
        return []
    spans = []
    for quote in value:
        if not isinstance(quote, dict):
            continue
        start, end = quote.get("start"), quote.get("end")
        if (
            isinstance(start, int)
            and isinstance(end, int)
            and not isinstance(start, bool)
            and not isinstance(end, bool)
            and 0 <= start < end <= length
        ):
            spans.append({"start": start, "end": end})
    return spans
