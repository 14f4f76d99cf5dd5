"""Every `sh` and `python` code block of README.md and docs/*.md runs, as a reader would run it.

The blocks of one page run in order, in one scratch folder that holds the files the
pages name (`article.txt`, `feed.jsonl`, `articles/`, `seeds/`, `my-set/`, ...), with a
user directory of its own, no API key and no endpoint, so the offline extractor
answers unless a block names a server. Local server addresses
(`http://localhost:PORT/v1`, as for vLLM, Ollama or llama.cpp) are answered by the
loopback server with valid replies, through the real openai and instructor clients.

A block followed by a `text` block (blank lines between at most) shows its output:
each non-blank line shown must appear in what the block printed, in that order (a
shown output may leave lines out). A block whose fence carries
`title="needs: ..."` cannot run here (a provider's key, a GPU, minutes of
benchmarking) and is skipped; docs/index.md tells readers what the mark means.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SEEDS
from tests.llm_support import valid_reply
from tests.loopback import LoopbackServer

# The pages whose blocks take over 10 s (evals and batch jobs on several articles)
# run with the slow tests, so a plain `pytest` stays quick; CI runs both.
SLOW_PAGES = {"batch.md", "quickstart.md", "eval.md", "llm.md"}
PAGES = [
    pytest.param(page, marks=pytest.mark.slow) if page.name in SLOW_PAGES else page
    for page in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
]
RUNNABLE = {"sh": "shell", "bash": "shell", "console": "shell", "python": "python"}
NEEDS_MARK = re.compile(r'title="needs: ([^"]+)"')
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
LOCAL_SERVER = re.compile(r"http://localhost:\d+/v1")
BLOCK_TIMEOUT_SECONDS = 300
# The seed articles that stand for "your articles" on the pages: short ones, so it is quick.
SAMPLE_SEEDS = ("iraq-baaj-offensive", "turkey-elazig-earthquake", "somalia-mogadishu-car-bomb")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    info: str
    body: str
    shown_output: str | None

    @property
    def needs(self) -> str | None:
        marked = NEEDS_MARK.search(self.info)
        return marked[1] if marked else None

    def where(self) -> str:
        return f"{self.page.relative_to(REPO_ROOT)}:{self.line}"


def code_blocks(page: Path) -> list[Block]:
    """The page's runnable blocks, each with the output block that follows it, if any."""
    text = page.read_text(encoding="utf-8")
    fences = list(FENCE.finditer(text))
    blocks = []
    for number, fence in enumerate(fences):
        language = fence["info"].split(" ", 1)[0].strip()
        if language not in RUNNABLE:
            continue
        following = fences[number + 1] if number + 1 < len(fences) else None
        shown = None
        if (
            following is not None
            and following["info"].split(" ", 1)[0] == "text"
            and not text[fence.end() : following.start()].strip()
        ):
            shown = following["body"]
        line = text.count("\n", 0, fence.start()) + 1
        blocks.append(Block(page, line, language, fence["info"], fence["body"], shown))
    return blocks


def sample_files(folder: Path) -> None:
    """The files the pages' examples name, made from the seed articles."""
    articles = [SEEDS / "articles" / f"{name}.txt" for name in SAMPLE_SEEDS]
    shutil.copy(articles[0], folder / "article.txt")
    records = [
        json.dumps({"id": path.stem, "text": path.read_text(encoding="utf-8")}) for path in articles
    ]
    for name in ("feed.jsonl", "corpus.jsonl"):
        (folder / name).write_text("\n".join(records) + "\n", encoding="utf-8")
    for name, chosen in (("articles", articles), ("archive", articles[1:]), ("wire", articles[:1])):
        (folder / name).mkdir()
        for path in chosen:
            shutil.copy(path, folder / name / path.name)
    shutil.copytree(SEEDS, folder / "seeds")
    shutil.copytree(REPO_ROOT / "evals", folder / "evals")
    shutil.copytree(REPO_ROOT / "examples", folder / "examples")
    inputs = REPO_ROOT / "tests" / "data" / "inputs"
    for name, files in (
        ("saved", ("harbour-fire.html",)),
        ("reports", ("bridge-report.pdf",)),
        ("feeds", ("courier.rss",)),
    ):
        (folder / name).mkdir()
        for file in files:
            shutil.copy(inputs / file, folder / name / file)
    my_set = folder / "my-set"
    for part, suffix in (("articles", ".txt"), ("labels", ".json")):
        (my_set / part).mkdir(parents=True)
        for name in SAMPLE_SEEDS:
            shutil.copy(SEEDS / part / f"{name}{suffix}", my_set / part / f"{name}{suffix}")


def reader_environment(folder: Path) -> dict[str, str]:
    """A reader's shell: this venv's commands first, a home of its own, no key, no endpoint."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OPENAI_", "SUMMARIZER_"))
    }
    environment["HOME"] = str(folder / "home")
    environment["SUMMARIZER_HOME"] = str(folder / "home" / "summarizer")
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    return environment


def run_block(block: Block, folder: Path, server: LoopbackServer) -> str:
    body = LOCAL_SERVER.sub(server.base_url, block.body)
    if RUNNABLE[block.language] == "shell":
        command = ["bash", "-e", "-o", "pipefail", "-c", body]
    else:
        command = [sys.executable, "-c", body]
    done = subprocess.run(
        command,
        cwd=folder,
        env=reader_environment(folder),
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_SECONDS,
    )
    printed = done.stdout + done.stderr
    assert done.returncode == 0, f"{block.where()} exited {done.returncode}:\n{printed[-3000:]}"
    return printed


def missing_output(shown: str, printed: str) -> list[str]:
    """The lines of `shown` not found, in order, among the lines printed (spaces collapsed)."""
    printed_lines = [" ".join(line.split()) for line in printed.splitlines()]
    position = 0
    missing = []
    for line in shown.splitlines():
        wanted = " ".join(line.split())
        if not wanted:
            continue
        found = next(
            (at for at in range(position, len(printed_lines)) if printed_lines[at] == wanted),
            None,
        )
        if found is None:
            missing.append(line)
        else:
            position = found + 1
    return missing


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_the_code_blocks_of_a_page_run(
    page: Path, loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    blocks = code_blocks(page)
    if not blocks:
        pytest.skip(f"{page.name} has no sh or python block")
    loopback_server.respond_with(valid_reply)
    folder = tmp_path / "reader"
    folder.mkdir()
    sample_files(folder)
    skipped = []
    for block in blocks:
        if block.needs:
            skipped.append(f"{block.where()} needs {block.needs}")
            continue
        printed = run_block(block, folder, loopback_server)
        if block.shown_output is not None:
            missing = missing_output(block.shown_output, printed)
            assert not missing, f"{block.where()} did not print {missing}:\n{printed[-3000:]}"
    if skipped and len(skipped) == len(blocks):
        pytest.skip("every block is marked: " + "; ".join(skipped))


def test_a_block_followed_by_text_shows_its_output(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```sh\nsummarize schema\n```\n\n```text\n{\n```\n\n"
        '```python title="needs: a GPU"\nprint(1)\n```\n\n```json\n{}\n```\n',
        encoding="utf-8",
    )
    first, second = code_blocks(page)
    assert (first.language, first.shown_output, first.needs) == ("sh", "{\n", None)
    assert (second.shown_output, second.needs) == (None, "a GPU")


def test_shown_output_may_leave_lines_out_but_keeps_their_order() -> None:
    printed = "a\n  b   c\nd\ne\n"
    assert missing_output("b c\ne\n", printed) == []
    assert missing_output("e\nd\n", printed) == ["d"]
