"""Options shared by the commands that run a backend.

They become a Pipeline in summarizer.cli.pipelines, and prices in summarizer.cli.prices.

The choices come from `summarizer.settings` (the `Mode` enum), which imports
nothing heavy, so `summarize --help` stays fast; a backend's name is checked
against the installed backend plugins only when one is given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from summarizer.settings import Mode

if TYPE_CHECKING:
    from summarizer.article import ArticleFacts
    from summarizer.codebook import Codebook

F = TypeVar("F", bound=Callable[..., Any])


def concurrency_option(command: F) -> F:
    """Adds --concurrency: how many articles are in flight at once."""
    return click.option(
        "--concurrency",
        type=click.IntRange(1, 1024),
        default=8,
        show_default=True,
        help="Articles in flight at once.",
    )(command)


def cache_dir_option(
    command: F,
    *,
    help: str = "Cache folder (default: $SUMMARIZER_CACHE_DIR or the user directory).",
) -> F:
    """Adds --cache-dir: where the result cache lives."""
    return click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), help=help)(
        command
    )


def price_options(command: F) -> F:
    """Adds --price-input and --price-output: prices that override genai-prices'."""
    decorators = [
        click.option(
            "--price-input",
            type=click.FloatRange(min=0),
            metavar="USD",
            help="USD per million input tokens (default: the model's price from genai-prices).",
        ),
        click.option(
            "--price-output",
            type=click.FloatRange(min=0),
            metavar="USD",
            help="USD per million output tokens (default: the model's price from genai-prices).",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def max_cost_option(command: F) -> F:
    """Adds --max-cost: no article starts once the run's cost would pass it."""
    return click.option(
        "--max-cost",
        type=click.FloatRange(min=0),
        metavar="USD",
        help="Start no article whose estimated cost would take the run past USD; those "
        "not started fail with BudgetExceeded (exit 1). Finished ones are kept and cached.",
    )(command)


def _published(_ctx: click.Context, _param: click.Parameter, value: str | None) -> object:
    from summarizer.article import parse_published
    from summarizer.errors import InputError

    if value is None:
        return None
    try:
        return parse_published(value, "--published")
    except InputError as error:
        raise click.BadParameter(str(error).removeprefix("--published: ")) from None


def _place(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    place = " ".join(value.split())
    if not place or len(place) > 80 or ":" in place:
        raise click.BadParameter("give a place name of at most 80 characters")
    return place


def _language(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    from summarizer.errors import ConfigurationError
    from summarizer.language import parse_language

    try:
        return None if value is None else parse_language(value)
    except ConfigurationError as error:
        raise click.BadParameter(str(error)) from None


def article_options(command: F) -> F:
    """Adds --published, --dateline and --brief-language: facts the article files lack."""
    decorators = [
        click.option(
            "--published",
            metavar="DATE",
            callback=_published,
            help="Publication date (ISO date or datetime) of the articles; wins over a "
            'header. A JSON Lines record\'s own "published" wins over it.',
        ),
        click.option(
            "--dateline",
            metavar="PLACE",
            callback=_place,
            help="Place the articles are datelined; wins over a header, as --published.",
        ),
        click.option(
            "--brief-language",
            metavar="LANGUAGE",
            callback=_language,
            help="Write headlines and briefs in this language (a name or code: Spanish, "
            "es). Default: each article's own language. LLM backends only.",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def facts_from_options(
    published: object, dateline: str | None, brief_language: str | None
) -> ArticleFacts | None:
    """The ArticleFacts the article options give, or None when none is given."""
    import datetime as dt

    from summarizer.article import ArticleFacts

    if published is None and dateline is None and brief_language is None:
        return None
    return ArticleFacts(
        published=published if isinstance(published, dt.date) else None,
        dateline=dateline,
        brief_language=brief_language,
    )


def _codebook(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Codebook | None:
    """The codebook named, loaded and checked as the options are read, before any
    work: a broken one is a CodebookError (one line, exit 2). None when not given."""
    from summarizer.codebook import load_codebook_or_fail

    return None if value is None else load_codebook_or_fail(value)


_CODEBOOK_HELP = (
    "The event types and fields to extract: a codebook file or a built-in's name "
    "(summarize codebook list). Default: $SUMMARIZER_CODEBOOK, else news."
)


def codebook_option_for(help_text: str) -> Callable[[F], F]:
    """--codebook with the command's own words for what it is used for; the command
    gets a loaded `Codebook`, or None when not given."""

    def decorate(command: F) -> F:
        return click.option("--codebook", metavar="NAME|FILE", callback=_codebook, help=help_text)(
            command
        )

    return decorate


codebook_option = codebook_option_for(_CODEBOOK_HELP)
"""--codebook of the commands that extract: what to extract."""


def _backend(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """An installed backend's name; an unknown one is refused, listing the installed ones."""
    from summarizer.backends.plugins import find_plugin
    from summarizer.errors import ConfigurationError

    try:
        return None if value is None else find_plugin(value).name
    except ConfigurationError as error:
        raise click.BadParameter(str(error)) from None


def backend_options(command: F) -> F:
    """Adds --backend, --model, --base-url, --mode, --max-reasks, --prompt, --chunk-tokens,
    --no-cache, --cache-dir."""
    decorators = [
        click.option(
            "--backend",
            metavar="NAME",
            callback=_backend,
            help="An installed backend: openai (any OpenAI-compatible endpoint), offline "
            "(the built-in extractor), or a plugin's. Default: openai when an LLM option "
            "is given or OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline.",
        ),
        click.option("--model", help="Model name (default: $SUMMARIZER_MODEL or gpt-4o-mini)."),
        click.option("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL)."),
        click.option(
            "--mode",
            type=click.Choice([mode.value for mode in Mode]),
            help="How structured output is requested (default: tools).",
        ),
        click.option(
            "--max-reasks",
            type=click.IntRange(0, 10),
            help="Re-asks after a reply fails validation (default: 2).",
        ),
        click.option(
            "--prompt",
            type=click.Path(file_okay=False, exists=True, path_type=Path),
            help="A folder of prompt templates (extract.system.j2, extract.user.j2) to use "
            "instead of the packaged ones (default: $SUMMARIZER_PROMPTS).",
        ),
        click.option(
            "--chunk-tokens",
            type=click.IntRange(min=100),
            metavar="N",
            help="Read a document whose text is over N tokens in chunks of at most N "
            "(default: from the model's context window, at most 6000). The offline "
            "backend reads every document whole.",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        cache_dir_option,
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command
