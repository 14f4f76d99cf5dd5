"""examples/ray_batch.py: an exported job run through Ray Data, then `summarize batch import`.

Needs Ray (`pip install -e ".[ray]"`, which `.ci/run` installs for these tests); without
it they are skipped and say so.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT, SEEDS
from tests.llm_support import chat_requests, run_cli, use_loopback, valid_reply
from tests.loopback import Fault, LoopbackServer, RecordedRequest, Reply

ray = pytest.importorskip("ray", reason='Ray is not installed: pip install -e ".[ray]"')

pytestmark = pytest.mark.slow


def load_recipe() -> ModuleType:
    path = REPO_ROOT / "examples" / "ray_batch.py"
    spec = importlib.util.spec_from_file_location("ray_batch", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ray_batch"] = module
    spec.loader.exec_module(module)
    # The workers cannot import it by name: its classes travel by value, as a script's
    # (`python examples/ray_batch.py`, its __main__) do.
    ray.cloudpickle.register_pickle_by_value(module)
    return module


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def export_seeds(job: Path, base_url: str, max_requests: int) -> list[Path]:
    exported = run_cli(
        [
            *("batch", "export", str(SEEDS / "articles"), "--job", str(job)),
            *("--base-url", base_url, "--model", "exported-name", "--mode", "tools"),
            *("--max-requests", str(max_requests)),
        ]
    )
    assert exported.exit_code == 0, exported.stderr
    return [Path(line) for line in exported.stdout.splitlines()]


def test_every_seed_comes_back_valid_through_ray_and_batch_import(
    local_cluster: None,
    loopback_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    recipe = load_recipe()
    job = tmp_path / "job"
    shards = export_seeds(job, loopback_server.base_url, max_requests=7)
    loopback_server.respond_with(valid_reply)

    results = recipe.run(job, loopback_server.base_url, "served-name", concurrency=4)

    sent = chat_requests(loopback_server)
    use_loopback(monkeypatch, loopback_server)
    imported = run_cli(
        ["batch", "import", str(results), "--job", str(job), "-o", str(tmp_path / "out.jsonl")]
    )
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    articles = sorted(path.stem for path in (SEEDS / "articles").glob("*.txt"))
    assert len(shards) == 3  # 20 articles, 7 a shard: the read spans several files
    assert len(sent) == len(articles)  # each request sent once
    assert {request.body["model"] for request in sent if request.body} == {"served-name"}
    assert imported.exit_code == 0, imported.stderr
    assert sorted(record["id"] for record in records) == articles
    assert all("error" not in record and record["events"] for record in records)
    assert "20 from the batch, 0 realtime" in imported.stderr
    assert len(chat_requests(loopback_server)) == len(sent)  # import asked nothing again


def test_a_failed_request_is_a_line_that_import_asks_again(
    local_cluster: None,
    loopback_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    recipe = load_recipe()
    job = tmp_path / "job"
    export_seeds(job, loopback_server.base_url, max_requests=50)
    refused: list[str] = []

    def refuse_one(request: RecordedRequest) -> Reply | Fault:
        if not refused:
            refused.append(request.path)
            return Fault(400)
        return valid_reply(request)

    loopback_server.respond_with(refuse_one)
    results = recipe.run(job, loopback_server.base_url, None, concurrency=1)
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    use_loopback(monkeypatch, loopback_server)
    imported = run_cli(["batch", "import", str(results), "--job", str(job)])

    assert [line["response"]["status_code"] for line in lines].count(400) == 1
    assert imported.exit_code == 0, imported.stderr
    assert "19 from the batch, 1 realtime" in imported.stderr


def test_a_job_without_requests_is_one_line(tmp_path: Path) -> None:
    recipe = load_recipe()
    with pytest.raises(SystemExit, match=r"holds no shard-\*\.jsonl: run `summarize batch export"):
        recipe.request_shards(tmp_path)
