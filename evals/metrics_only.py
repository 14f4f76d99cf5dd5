"""A report.json reduced to what a baseline needs: the metrics, and each article's id and scores.

    python evals/metrics_only.py /tmp/dev-run/report.json evals/offline-dev-baseline.json

`summarize eval --baseline` reads only the top-level "metrics" object. A full report
also holds every prediction: briefs, summaries and evidence quoted from the articles.
The real-news articles may not be redistributed, so a baseline committed for them keeps
no text at all: the run's description, the metrics, and per article its id and scores.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

_RUN_FIELDS = ("articles", "backend", "model", "prompt_version", "schema_version")


def metrics_only(report: dict[str, Any]) -> dict[str, Any]:
    run = report.get("run", {})
    return {
        "report_version": report.get("report_version"),
        "run": {field: run.get(field) for field in _RUN_FIELDS},
        "metrics": report["metrics"],
        "articles": [
            {"id": article["id"], "metrics": article.get("metrics", {})}
            for article in report.get("articles", [])
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a report.json written by summarize eval")
    parser.add_argument("baseline", type=Path, help="where to write the metrics-only baseline")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.report.read_text(encoding="utf-8"))
        reduced = metrics_only(report)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"Error: {args.report}: not a readable eval report ({error})", file=sys.stderr)
        return 1
    args.baseline.write_text(json.dumps(reduced, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
