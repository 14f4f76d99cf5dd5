"""Backend plugins: what a backend package registers, and how the installed ones are found.

A backend is found through the `summarizer.backends` entry-point group, read on
first use (never on import) and remembered. The two built-in backends are
registered there by this package's own pyproject.toml, exactly as a third-party
package registers its own, so nothing outside a backend's module names a backend:
whatever a command needs to know about one (does it take --model, does it cost
money, can it run batch jobs, should it answer when none is named) it asks the
backend's `BackendPlugin`.

>>> sorted(installed_backends())
['offline', 'openai']
>>> find_plugin("offline").spends_tokens
False
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, cast

from summarizer.errors import ConfigurationError
from summarizer.settings import LLMOptions, LLMSettings, given_options

if TYPE_CHECKING:
    from summarizer.article import Article
    from summarizer.backends.base import Backend
    from summarizer.codebook import Codebook

ENTRY_POINT_GROUP = "summarizer.backends"

# `create` of a plugin that takes codebooks (`BackendPlugin.codebooks`).
CreateForCodebook = Callable[["LLMSettings | None", LLMOptions, "Codebook"], "Backend"]


def _never(settings: LLMSettings | None, options: LLMOptions) -> int | None:
    return None


def _no_notice(article: Article) -> str | None:
    return None


@dataclass(frozen=True, kw_only=True)
class BackendPlugin:
    """A backend as a package offers it: its name, what it takes, what it can do,
    and how to make one.

    A package registers one under the `summarizer.backends` entry-point group,
    named as the backend (`--backend NAME`). Only `name` and `create` are needed:

    >>> from summarizer.backends.offline import OfflineBackend
    >>> rules = BackendPlugin(name="offline", create=lambda settings, options: OfflineBackend())
    >>> rules.build(None, {}).name
    'offline'
    """

    # The backend's name: its entry point's, `--backend NAME`, and every result's `backend`.
    name: str
    # Makes the backend from the caller's `settings=` (None when not given) and the
    # options given by name (only those in `options`, none of them None); with
    # `codebooks`, and the codebook, as `create(settings, options, codebook)`.
    create: Callable[[LLMSettings | None, LLMOptions], Backend] | CreateForCodebook
    # Whether it extracts any codebook: `create` takes the codebook as its third
    # argument, and the backend holds it as `codebook`. Without, it extracts `news`
    # only and is refused any other codebook before it is made.
    codebooks: bool = False
    # The LLMOptions it takes by name; `settings=` only when it takes some. Any
    # other is refused, naming it, before `create` is called.
    options: frozenset[str] = frozenset()
    # Whether its requests spend tokens a provider charges for: runs show costs,
    # take --max-cost and --price-input/--price-output.
    spends_tokens: bool = False
    # Whether its backends build OpenAI chat-completions requests and read the replies
    # (`request_body`, `draft_from_completion`, as the built-in openai backend does):
    # provider batch jobs, request files and `summarize estimate` need them.
    batch_jobs: bool = False
    # How much it should answer when the caller names no backend, given the
    # settings and options: of the installed backends that take those options, the
    # one with the highest rank answers (the name breaks a tie); None: only by name.
    default_rank: Callable[[LLMSettings | None, LLMOptions], int | None] = _never
    # Said once on stderr when it answers because no backend was named.
    default_notice: str | None = None
    # What to tell the user, once a run, about an article it reads poorly (or None).
    article_notice: Callable[[Article], str | None] = _no_notice

    def refusal(self, settings: LLMSettings | None, options: LLMOptions) -> str | None:
        """Why this backend cannot take `settings` and `options` (given ones only), or None."""
        foreign = sorted(name for name in options if name not in self.options)
        if foreign:
            return (
                f"option {', '.join(map(repr, foreign))} does not apply to the {self.name} backend"
            )
        if settings is not None and not self.options:
            return f"LLM settings do not apply to the {self.name} backend"
        return None

    def build(
        self, settings: LLMSettings | None, options: LLMOptions, codebook: Codebook | None = None
    ) -> Backend:
        """The backend for `settings`, `options` (None values dropped) and `codebook`
        (None: `news`), after refusing what it does not take; checks that `create`
        kept the Backend contract."""
        from summarizer.backends.base import Backend, backend_codebook
        from summarizer.codebook import DEFAULT_CODEBOOK, Codebook

        given = given_options(options)
        refusal = self.refusal(settings, given)
        if refusal is not None:
            raise ConfigurationError(refusal)
        wanted = codebook or Codebook.load(DEFAULT_CODEBOOK)
        if self.codebooks:
            backend = cast(CreateForCodebook, self.create)(settings, given, wanted)
        elif wanted == Codebook.load(DEFAULT_CODEBOOK):
            backend = cast(Callable[[LLMSettings | None, LLMOptions], Backend], self.create)(
                settings, given
            )
        else:
            raise ConfigurationError(
                f"the {self.name} backend extracts the news codebook only, not "
                f"{wanted.name!r}: use a backend that takes codebooks (openai)"
            )
        if not isinstance(backend, Backend):
            raise ConfigurationError(
                f"the {self.name} backend plugin made a {type(backend).__name__}, "
                "which is not a Backend (name, model, prompt_version, settings, extract, "
                "aextract)"
            )
        if backend.name != self.name:
            raise ConfigurationError(
                f"the {self.name} backend plugin made a backend named {backend.name!r}"
            )
        if backend_codebook(backend) != wanted:
            raise ConfigurationError(
                f"the {self.name} backend plugin made a backend for the codebook "
                f"{backend_codebook(backend).name!r}, not {wanted.name!r}"
            )
        return backend


@cache
def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    """The installed backends' entry points by name, read once per process."""
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        earlier = found.setdefault(entry_point.name, entry_point)
        if earlier.value != entry_point.value:
            raise ConfigurationError(
                f"two packages register the backend {entry_point.name!r}: "
                f"{earlier.value} and {entry_point.value}; uninstall one"
            )
    return found


def installed_backends() -> list[str]:
    """The names of the installed backends, sorted."""
    return sorted(_entry_points())


def find_plugin(name: str) -> BackendPlugin:
    """The installed backend plugin called `name` (its module is imported once, as any)."""
    entry_point = _entry_points().get(name)
    if entry_point is None:
        raise ConfigurationError(
            f"unknown backend {name!r}; installed: {', '.join(installed_backends()) or 'none'}"
        )
    try:
        plugin = entry_point.load()
    except Exception as error:
        raise ConfigurationError(
            f"the backend plugin {name!r} ({entry_point.value}) cannot be loaded: {error}"
        ) from None
    if not isinstance(plugin, BackendPlugin):
        raise ConfigurationError(
            f"the backend plugin {name!r} ({entry_point.value}) is a "
            f"{type(plugin).__name__}, not a summarizer BackendPlugin"
        )
    if plugin.name != name:
        raise ConfigurationError(
            f"the entry point {name!r} ({entry_point.value}) holds the plugin of {plugin.name!r}"
        )
    return plugin


def choose_plugin(
    name: str | None,
    *,
    settings: LLMSettings | None = None,
    options: LLMOptions,
    batch_jobs: bool = False,
) -> BackendPlugin:
    """The plugin of the backend that answers: the one named; else, of the installed
    backends that take the given settings and options, the one with the highest
    `default_rank`. With `batch_jobs`, only a backend that runs batch jobs will do."""
    if name is not None:
        plugin = find_plugin(name)
        if batch_jobs and not plugin.batch_jobs:
            runners = [other for other in installed_backends() if find_plugin(other).batch_jobs]
            raise ConfigurationError(
                f"the {name} backend runs no batch jobs; installed backends that do: "
                + (", ".join(runners) or "none")
            )
        return plugin
    given = given_options(options)
    ranked: list[tuple[int, str, BackendPlugin]] = []
    for candidate in map(find_plugin, installed_backends()):
        if batch_jobs and not candidate.batch_jobs:
            continue
        rank = candidate.default_rank(settings, given)
        if rank is not None and candidate.refusal(settings, given) is None:
            ranked.append((rank, candidate.name, candidate))
    if not ranked:
        raise ConfigurationError(
            "no installed backend answers"
            + (" batch jobs" if batch_jobs else "")
            + " unless named: name one of "
            + (", ".join(installed_backends()) or "none installed")
        )
    # The highest rank; of equal ranks, the first name in alphabetical order.
    return min(ranked, key=lambda entry: (-entry[0], entry[1]))[2]


__all__ = [
    "ENTRY_POINT_GROUP",
    "BackendPlugin",
    "CreateForCodebook",
    "choose_plugin",
    "find_plugin",
    "installed_backends",
]
