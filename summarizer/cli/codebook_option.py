"""`--codebook NAME|FILE` of the commands that read labels or results (`eval`, `view`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

_Command = TypeVar("_Command", bound=Callable[..., object])


def codebook_option(help_text: str) -> Callable[[_Command], _Command]:
    """The option, with the command's own words for what the codebook is used for."""
    return click.option("--codebook", metavar="NAME|FILE", default=None, help=help_text)
