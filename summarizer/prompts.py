"""Prompt templates: loaded from files, versioned by their content.

The templates are Jinja2 files under the project's `prompts/` folder (shipped as
`summarizer/templates/` inside the wheel). They are handed to instructor unrendered,
with `context`: instructor renders them, and the article only ever enters the
prompt as a variable's value, so text in an article is never read as a template.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from summarizer.article import Article
from summarizer.errors import ConfigurationError
from summarizer.schema import BRIEF_MAX_WORDS, HEADLINE_MAX_WORDS


def template_dir() -> Path:
    """Where the templates are: inside the installed wheel, else the source checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "prompts"


@dataclass(frozen=True)
class PromptTemplate:
    """A system and a user message template, with a version hash of both."""

    name: str
    system: str
    user: str

    @property
    def version(self) -> str:
        digest = hashlib.sha256(f"{self.system}\x00{self.user}".encode())
        return f"{self.name}-{digest.hexdigest()[:12]}"

    def messages(self) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user},
        ]


@cache
def load_prompt(name: str = "extract") -> PromptTemplate:
    folder = template_dir()
    try:
        return PromptTemplate(
            name=name,
            system=(folder / f"{name}.system.j2").read_text(encoding="utf-8"),
            user=(folder / f"{name}.user.j2").read_text(encoding="utf-8"),
        )
    except OSError as error:
        raise ConfigurationError(f"prompt {name!r} not found in {folder}: {error}") from None


def prompt_context(article: Article) -> dict[str, Any]:
    """The template variables for one article; also the validators' context."""
    published = article.published
    return {
        **article.validation_context(),
        "article_body": article.body,
        # Derived from the text it encloses, so an article cannot contain its own
        # closing marker and end the data block early.
        "boundary": hashlib.sha256(article.body.encode()).hexdigest()[:12],
        "published_weekday": published.strftime("%A") if published else None,
        "dateline": article.dateline,
        "headline_max_words": HEADLINE_MAX_WORDS,
        "brief_max_words": BRIEF_MAX_WORDS,
    }
