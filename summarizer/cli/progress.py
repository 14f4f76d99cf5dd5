"""What a batch run tells the person on standard error: progress, errors, the outcome.

On a terminal a live bar (rich) with done, failed and cached counts and an ETA;
otherwise (a log file, CI) a plain status line every few seconds. Either way,
each failed input gets one `Error:` line, and the run ends with a summary (the
tokens and cost of the run, and what the cache saved) and, when it was stopped, where.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from summarizer.cost import Prices
    from summarizer.run import BatchReport, Record
    from summarizer.schema import Usage

# Plain status lines are for logs: often enough to see a run is alive, rarely
# enough not to drown the error lines.
PLAIN_INTERVAL_SECONDS = 10.0
# Ids listed when a stopped run names the articles it abandoned.
SHOWN_ABANDONED = 5


class RunDisplay:
    """Counts records as the command writes them and shows the progress on stderr.

    `show_progress` False keeps stderr to error lines (one article, or results
    rendered for a person on the same terminal).
    """

    def __init__(self, *, total: int | None, show_progress: bool) -> None:
        self.total = total
        # Counted here, in the thread that writes, not read from the run's report,
        # which the run's own thread updates meanwhile.
        self.done = self.failed = self.cached = 0
        self._started = time.monotonic()
        self._last_status = self._started
        self._show_progress = show_progress
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> RunDisplay:
        if self._show_progress and sys.stderr.isatty():
            self._bar, self._task = _live_bar(self.total)
            self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def record(self, record: Record) -> None:
        """Count one written record; an error record also gets its `Error:` line."""
        from summarizer.run import ErrorRecord

        if isinstance(record, ErrorRecord):
            self.failed += 1
            self._line(f"Error: {record.message}")
        else:
            self.done += 1
            self.cached += record.cached
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, counts=self._counts())
        elif self._show_progress and time.monotonic() - self._last_status >= PLAIN_INTERVAL_SECONDS:
            self._last_status = time.monotonic()
            self._line(self._status())

    def _line(self, text: str) -> None:
        if self._bar is not None:
            # Printed above the live bar, which stays whole below it.
            self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(text, err=True)

    def _counts(self) -> str:
        return f"done {self.done} · failed {self.failed} · cached {self.cached}"

    def _status(self) -> str:
        written = self.done + self.failed
        elapsed = time.monotonic() - self._started
        rate = written / elapsed if elapsed > 0 else 0.0
        of_total = f"/{self.total}" if self.total is not None else ""
        eta = ""
        if self.total is not None and rate > 0:
            eta = f", ETA {_duration((self.total - written) / rate)}"
        return f"progress: {written}{of_total} written ({self._counts()}), {rate:.1f}/s{eta}"


def _live_bar(total: int | None) -> tuple[Progress, TaskID]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("summarizing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        # The bar's console is stderr: standard output redirected to a file must
        # keep its lines, not have them printed above the bar.
        redirect_stdout=sys.stdout.isatty(),
    )
    task = bar.add_task("summarizing", total=total, counts="")
    return bar, task


def summary_lines(
    report: BatchReport, prices: Prices | None = None, *, not_stored: int = 0
) -> list[str]:
    """The end of a run in a line, its tokens and cost in another, how many results the
    cache could not keep, and where it stopped if it was stopped."""
    cached = f" ({report.cached} from the cache)" if report.cached else ""
    failed = f"{report.failures} failed"
    if report.failed:
        kinds = ", ".join(f"{kind} {count}" for kind, count in report.failed.most_common())
        failed += f" ({kinds})"
    lines = [f"{report.done} done{cached}, {failed}, in {_duration(report.elapsed)}"]
    spent_line = cost_line(report, prices)
    if spent_line is not None:
        lines.append(spent_line)
    if report.not_attempted:
        lines.append(not_attempted_line(report))
    if not_stored:
        lines.append(not_cached_line(not_stored))
    if report.interrupted:
        abandoned = ""
        if report.abandoned:
            shown = ", ".join(report.abandoned[:SHOWN_ABANDONED])
            more = ", ..." if len(report.abandoned) > SHOWN_ABANDONED else ""
            abandoned = f"; {len(report.abandoned)} in flight abandoned ({shown}{more})"
        last = f" (the last: {report.last_read})" if report.last_read else ""
        lines.append(
            f"Stopped after reading {report.read} input(s){last}: "
            f"{report.written} written{abandoned}. Run the same command again to "
            "finish: articles already done come from the cache."
        )
    return lines


def cost_line(report: BatchReport, prices: Prices | None) -> str | None:
    """The tokens the run spent and what the cache saved, with their cost; None for a run
    with neither tokens nor prices (the offline extractor)."""
    spent, saved = report.tokens.spent, report.tokens.cached
    if prices is None and not _any(spent) and not _any(saved):
        return None
    line = f"Spent {_tokens(spent)}, {_cost(spent, prices)}" if _any(spent) else "Spent nothing"
    if _any(saved):
        line += f"; the cache saved {_tokens(saved)}, {_cost(saved, prices)}"
    if prices is not None:
        line += f" (at {prices.describe()})"
    return line


def not_attempted_line(report: BatchReport) -> str:
    """The inputs a run stopped by a run-wide failure did not attempt, in one line."""
    shown = ", ".join(report.not_attempted_ids[:SHOWN_ABANDONED])
    more = ", ..." if report.not_attempted > SHOWN_ABANDONED else ""
    return (
        f"Not attempted: {report.not_attempted} input(s) ({shown}{more}). Fix the error "
        "above and run the same command again: articles already done come from the cache."
    )


def _any(usage: Usage) -> bool:
    return bool(usage.prompt_tokens or usage.completion_tokens)


def _tokens(usage: Usage) -> str:
    return f"{usage.prompt_tokens:,} input and {usage.completion_tokens:,} output tokens"


def _cost(usage: Usage, prices: Prices | None) -> str:
    from summarizer.cost import cost_usd

    cost = cost_usd(usage, prices)
    return "cost unknown" if cost is None else f"${cost:.4f}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{rest:02d}s" if hours else f"{minutes}m{rest:02d}s"


def not_cached_line(count: int) -> str:
    """What a run tells when the cache could not keep some of its results."""
    return (
        f"{count} result(s) could not be cached (see the warning above); "
        "a rerun summarizes them again."
    )
