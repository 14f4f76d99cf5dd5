"""The docs' screenshots of the review page and the eval report, taken in headless Chromium.

Run from the repository root: `python -m evals.screenshots` (writes docs/*.png).
The pages come from the offline extractor over the seed articles.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.browser import screenshot

DOCS = Path("docs")
# The article whose section of the eval report is shown: one with field mistakes.
ARTICLE = "brazil-sao-paulo-fare-protests"


def summarize(*arguments: str) -> None:
    command = [sys.executable, "-c", "from summarizer.cli import main; main()", *arguments]
    subprocess.run(command, check=True, capture_output=True)


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        review = work / "review.html"
        offline = ("--backend", "offline", "--no-cache")
        summarize("seeds/articles", *offline, "--html", str(review))
        screenshot(
            review,
            DOCS / "review-page.png",
            "article=iraq-baaj-offensive&event=1",
            window=(1400, 860),
        )
        baseline = ("--baseline", "evals/offline-baseline.json")
        summarize("eval", "seeds", *offline, "--out", str(work / "eval"), *baseline)
        screenshot(work / "eval" / "report.html", DOCS / "eval-report.png", window=(1200, 1100))
        # One article's section: an eval over a data set of that article alone.
        single = work / "single"
        for kind, suffix in (("articles", ".txt"), ("labels", ".json")):
            (single / kind).mkdir(parents=True)
            shutil.copy(Path("seeds", kind, ARTICLE + suffix), single / kind)
        summarize("eval", str(single), *offline, "--out", str(work / "single-eval"))
        screenshot(
            work / "single-eval" / "report.html",
            DOCS / "eval-report-article.png",
            window=(1200, 2000),
        )
    print(f"wrote {', '.join(str(path) for path in sorted(DOCS.glob('*.png')))}")


if __name__ == "__main__":
    main()
