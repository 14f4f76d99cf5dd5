"""Prompt templates: loaded from files, compiled once, versioned by their content.

The templates are Jinja2 files under the project's `prompts/` folder (shipped as
`summarizer/templates/` inside the wheel), rendered in Jinja's sandbox. The
article only ever enters the prompt as a variable's value, so text in an article
is never read as a template.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.article import Article
from summarizer.errors import ConfigurationError
from summarizer.schema import HEADLINE_MAX_WORDS

if TYPE_CHECKING:
    import jinja2

    from summarizer.codebook import Codebook

PROMPTS_ENV = "SUMMARIZER_PROMPTS"


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
    _compiled: tuple[jinja2.Template, jinja2.Template] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Compiled once: compiling costs about a hundred times as much as rendering.
        object.__setattr__(self, "_compiled", (_compile(self.system), _compile(self.user)))

    def __reduce__(self) -> tuple[Any, ...]:
        return PromptTemplate, (self.name, self.system, self.user)

    @property
    def version(self) -> str:
        digest = hashlib.sha256(f"{self.system}\x00{self.user}".encode())
        return f"{self.name}-{digest.hexdigest()[:12]}"

    def render(self, article: Article, codebook: Codebook | None = None) -> tuple[str, str]:
        """The system and the user message for one article, under a codebook (`news`
        when none is given)."""
        variables = prompt_variables(article, codebook)
        system, user = self._compiled
        return system.render(variables), user.render(variables)


def _compile(source: str) -> jinja2.Template:
    from jinja2 import StrictUndefined, TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    try:
        # StrictUndefined: a misspelt variable in a template fails instead of vanishing.
        return SandboxedEnvironment(undefined=StrictUndefined).from_string(source)
    except TemplateSyntaxError as error:
        raise ConfigurationError(
            f"prompt template error on line {error.lineno}: {error.message}"
        ) from None


def load_prompt(name: str = "extract", folder: Path | None = None) -> PromptTemplate:
    """The templates `name`.system.j2 and `name`.user.j2 of `folder`.

    Without a folder: $SUMMARIZER_PROMPTS when set, else the packaged templates. A
    prompt experiment is a copied folder, edited, named here; its version is a hash
    of its text, so its results are cached apart from the packaged prompt's.
    """
    if folder is None:
        override = os.environ.get(PROMPTS_ENV)
        folder = Path(override).expanduser() if override else template_dir()
    return _load_prompt(name, folder.resolve())


@cache
def _load_prompt(name: str, folder: Path) -> PromptTemplate:
    if not folder.is_dir():
        raise ConfigurationError(f"prompt folder {folder} does not exist")
    try:
        system = (folder / f"{name}.system.j2").read_text(encoding="utf-8")
        user = (folder / f"{name}.user.j2").read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"prompt {name!r} not found in {folder}: {error}") from None
    return PromptTemplate(name=name, system=system, user=user)


def prompt_variables(article: Article, codebook: Codebook | None = None) -> dict[str, Any]:
    """The template variables for one article under a codebook (`news` when none is
    given): `codebook` is its prompt section, the same for every article."""
    from summarizer.codebook import DEFAULT_CODEBOOK, Codebook

    if codebook is None:
        codebook = Codebook.load(DEFAULT_CODEBOOK)
    section = codebook.prompt_section()
    published = article.published
    language = article.language_name
    return {
        "codebook": section,
        "article_body": article.body,
        "published": published,
        # Derived from the text it encloses, so an article cannot contain its own
        # closing marker and end the data block early.
        "boundary": hashlib.sha256(article.body.encode()).hexdigest()[:12],
        "published_weekday": published.strftime("%A") if published else None,
        "dateline": article.dateline,
        "title": article.title,
        # English names ("Chinese"), None when the language cannot be told: the
        # headline and brief are written in `brief_language`, the article's own
        # unless the run names another. The instructions are English, so an English
        # article needs no word about it (and its request stays shorter).
        "article_language": language,
        # A run's language comes first, then the codebook's.
        "brief_language": article.brief_language
        or section["brief_language"]
        or (language if language != "English" else None),
        "headline_max_words": HEADLINE_MAX_WORDS,
        "brief_max_words": section["brief_max_words"],
    }
