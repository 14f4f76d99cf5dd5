"""The prices a run's cost is worked out at: genai-prices' and the price options' overrides.

A model with no known price is said once on standard error, here in the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from summarizer.backends.base import Backend
    from summarizer.cost import Prices


def prices_from_options(
    backend: Backend, *, price_input: float | None, price_output: float | None
) -> Prices | None:
    """The prices a run's cost is worked out at, or None (said once on stderr).

    The model of a backend that spends tokens is looked up in genai-prices;
    --price-input and --price-output replace what it says. Other backends cost nothing.
    """
    from summarizer.backends.plugins import find_plugin

    if not find_plugin(backend.name).spends_tokens:
        return None
    return prices_for_model(
        backend.model,
        backend.settings.get("base_url"),
        price_input=price_input,
        price_output=price_output,
    )


def prices_for_model(
    model: str | None,
    base_url: str | None,
    *,
    price_input: float | None,
    price_output: float | None,
) -> Prices | None:
    """`model`'s prices at `base_url` from genai-prices, with the options' overrides; or
    None (said once on stderr)."""
    from summarizer.cost import Prices, prices_for

    model = model or ""
    found = prices_for(model, base_url) if model else None
    if found is not None:
        return found.override(input=price_input, output=price_output)
    if price_input is not None and price_output is not None:
        return Prices(input=price_input, output=price_output)
    where = f" at {base_url}" if base_url else ""
    if price_input is not None or price_output is not None:
        raise click.UsageError(
            f"genai-prices knows no price for {model!r}{where}: give both --price-input "
            "and --price-output"
        )
    click.echo(
        f"No price known for {model!r}{where}: costs are shown as unknown. "
        "--price-input and --price-output (USD per million tokens) set them.",
        err=True,
    )
    return None
