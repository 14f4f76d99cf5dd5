"""Inputs that are not plain text: saved web pages, PDFs, RSS and Atom feeds.

One module a kind, each turning a file's bytes into text and the facts it states
(title, publication date, site, pages); `summarizer.readers` makes articles of
them. Web pages and PDFs are read by optional packages (`summarizer[html]`,
`summarizer[pdf]`): `need_extra` imports one, or says in one line how to install it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from summarizer.errors import ConfigurationError

# The optional extra that brings the package each kind of input is read with.
EXTRAS = {"trafilatura": "html", "pypdfium2": "pdf"}


def need_extra(module: str, reading: str) -> ModuleType:
    """`module` imported, or a ConfigurationError naming the extra to install.

    `reading` says what it is for ("web pages (.html, .htm)"). A missing package
    is a fault of the installation, not of one input, hence a configuration error.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS[module]
        raise ConfigurationError(
            f"reading {reading} needs {module}: pip install 'summarizer[{extra}]'"
        ) from None
