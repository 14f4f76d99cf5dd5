"""`summarize codebook check|show|list|schema`: writing and reading codebooks."""

from __future__ import annotations

import json

import click


@click.group("codebook")
def codebook_group() -> None:
    """Check, show and list codebooks: the event types and fields to extract."""


@codebook_group.command("check")
@click.argument("file", metavar="FILE")
def codebook_check(file: str) -> None:
    """Print each problem of a codebook as FILE:LINE: key.path: problem.

    Exits 2 when there is any problem; warnings (a type no example shows) are
    printed too but do not fail the check.
    """
    from summarizer.codebook.check import check_source

    report = check_source(file)
    for problem in report.problems:
        click.echo(problem.render(report.label), err=not problem.warning)
    if report.errors:
        raise SystemExit(2)
    click.echo(f"{report.label}: ok", err=False)


@codebook_group.command("show")
@click.argument("codebook", metavar="NAME|FILE")
def codebook_show(codebook: str) -> None:
    """Show a codebook's types, definitions, fields and examples for a person."""
    from rich.console import Console

    from summarizer.codebook import load_codebook_or_fail
    from summarizer.codebook.render import codebook_page

    loaded = load_codebook_or_fail(codebook)
    Console().print(codebook_page(loaded.spec, loaded.origin))


@codebook_group.command("list")
def codebook_list() -> None:
    """List the built-in codebooks, one a line."""
    from summarizer.codebook import DEFAULT_CODEBOOK, builtin_codebooks

    for codebook in builtin_codebooks():
        subtypes = sum(len(kind.subtypes) for kind in codebook.types.values())
        counts = f"{len(codebook.types)} types"
        if subtypes:
            counts += f", {subtypes} subtypes"
        if codebook.fields:
            counts += f", {len(codebook.fields)} fields"
        default = " (default)" if codebook.name == DEFAULT_CODEBOOK else ""
        summary = codebook.description.split(":")[0].split(". ")[0].strip().rstrip(".")
        click.echo(f"{codebook.name:8} {counts}{default}" + (f": {summary}" if summary else ""))


@codebook_group.command("schema")
def codebook_schema() -> None:
    """Print the JSON Schema of the codebook file format, for editors to check files."""
    from summarizer.codebook.format import CodebookFormat

    click.echo(json.dumps(CodebookFormat.model_json_schema(), indent=2))
