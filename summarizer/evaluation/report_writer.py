"""Writing an eval report's files: report.json, report.md and report.html, side by side.

>>> import tempfile
>>> from summarizer import open_pipeline
>>> from summarizer.evaluation import evaluate, load_dataset, write_report
>>> report = evaluate(load_dataset("seeds"), open_pipeline("offline", cache=False))
>>> with tempfile.TemporaryDirectory() as folder:
...     written = write_report(report, folder)
>>> [path.name for path in written]
['report.json', 'report.md']
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from summarizer.evaluation.report import EvalReport
from summarizer.evaluation.report_html import HTML_NAME, render_report_html
from summarizer.evaluation.report_md import render_markdown
from summarizer.storage import write_atomically

JSON_NAME = "report.json"
MARKDOWN_NAME = "report.md"


def report_markdown(report: EvalReport) -> str:
    """report.md's text: the report for people reading it in a terminal or a pull request."""
    return render_markdown(report.run, report.metrics, report.counts, report.results)


def write_report(
    report: EvalReport,
    folder: str | os.PathLike[str],
    *,
    baseline: Mapping[str, Any] | None = None,
    tolerance: float = 0.02,
) -> tuple[Path, Path]:
    """Write report.json, report.md and report.html into `folder` (created if needed).

    The HTML report marks the headline metrics worse than `baseline` by more
    than `tolerance`. Returns the JSON and Markdown paths; the page is beside them.
    Each file is replaced whole or not at all; a disk that refuses raises StorageError.
    """
    folder = Path(folder)
    json_path, markdown_path = folder / JSON_NAME, folder / MARKDOWN_NAME
    document = report.to_json()
    write_atomically(json_path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    write_atomically(markdown_path, report_markdown(report))
    write_atomically(
        folder / HTML_NAME,
        render_report_html(document, baseline=baseline, tolerance=tolerance),
    )
    return json_path, markdown_path
