"""The labelling server over plain HTTP: the token, Host and Origin checks, ids that
would leave the folder, saves that pass the contract's loader, resuming, the command
itself (stopped by Ctrl-C), and `summarize labels agree`."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.evaluation.dataset import load_dataset
from summarizer.review.labelling import LabellingSession
from summarizer.review.server import LabellingServer
from tests.conftest import SEEDS
from tests.labelling_support import offline_results, open_session, running
from tests.llm_support import run_cli

IDS = ("iraq-baaj-offensive", "uk-boe-rate-hike")


@pytest.fixture
def session(tmp_path: Path) -> LabellingSession:
    articles = [SEEDS / "articles" / f"{article_id}.txt" for article_id in IDS]
    results = offline_results(articles, tmp_path / "results.jsonl")
    return open_session(results, articles, tmp_path / "labels")


@pytest.fixture
def server(session: LabellingSession) -> Iterator[LabellingServer]:
    with running(session) as started:
        yield started


def request(
    server: LabellingServer,
    method: str,
    path: str,
    *,
    token: str | None = "",
    host: str | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> tuple[int, Any]:
    """One request; token "" means the server's own, None none at all."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    sent = {"Host": host or f"127.0.0.1:{server.port}", **(headers or {})}
    if token is not None:
        sent["X-Label-Token"] = token or server.token
    data = json.dumps(body).encode() if body is not None else None
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    kind = response.getheader("Content-Type", "")
    return response.status, json.loads(payload) if "json" in kind else payload.decode()


def accepted_as_is(server: LabellingServer, article_id: str) -> dict[str, Any]:
    """What the page sends when a person accepts an article as the run pre-filled it."""
    _, state = request(server, "GET", f"/api/articles/{article_id}")
    return {
        "brief": state["brief"],
        "must_mention": [],
        "aliases": {},
        "reviewed": True,
        "events": state["events"],
    }


# -- security -----------------------------------------------------------------------------


def test_every_request_needs_the_token(server: LabellingServer) -> None:
    for path in ("/", "/labelling.js", "/api/articles", f"/api/articles/{IDS[0]}"):
        assert request(server, "GET", path, token=None)[0] == 403
        assert request(server, "GET", path, token="wrong")[0] == 403
    status, _ = request(server, "PUT", f"/api/articles/{IDS[0]}", token=None, body={"brief": "x"})
    assert status == 403
    assert not (server.session.root / "labels").exists()
    # The page itself takes it from its URL and sets the cookie its script and style use.
    status, page = request(server, "GET", f"/?token={server.token}", token=None)
    assert status == 200 and "<title>" in page
    cookie = f"label_token={server.token}"
    status, _ = request(server, "GET", "/labelling.css", token=None, headers={"Cookie": cookie})
    assert status == 200
    assert request(server, "GET", "/api/articles")[0] == 200


def test_a_foreign_host_is_refused(server: LabellingServer) -> None:
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1."""
    for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1:1", "localhost"):
        assert request(server, "GET", "/api/articles", host=host)[0] == 403
    assert request(server, "GET", "/api/articles", host=f"localhost:{server.port}")[0] == 200


def test_a_foreign_origin_is_refused(server: LabellingServer) -> None:
    body = accepted_as_is(server, IDS[0])
    for origin in ("http://evil.example", f"http://evil.example:{server.port}", "null"):
        status, _ = request(
            server, "PUT", f"/api/articles/{IDS[0]}", headers={"Origin": origin}, body=body
        )
        assert status == 403
    assert not (server.session.root / "labels").exists()
    own = {"Origin": f"http://127.0.0.1:{server.port}"}
    assert request(server, "PUT", f"/api/articles/{IDS[0]}", headers=own, body=body)[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/articles/../../outside",
        "/api/articles/..%2F..%2Foutside",
        "/api/articles/a/../../outside",
        "/api/articles/Upper",
        "/api/articles/.hidden",
        "/api/articles/",
    ],
)
def test_an_id_that_escapes_the_folder_is_refused(
    server: LabellingServer, tmp_path: Path, path: str
) -> None:
    status, answer = request(server, "PUT", path, body={"brief": "x", "events": []})
    assert status in (400, 404), answer
    assert request(server, "GET", path)[0] in (400, 404)
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {Path("results.jsonl")}


def test_an_id_not_in_the_session_is_refused(server: LabellingServer) -> None:
    status, answer = request(server, "PUT", "/api/articles/not-here", body={"brief": "x"})
    assert status == 404 and "not-here" in answer["error"]


# -- saving and resuming --------------------------------------------------------------------


def test_a_save_is_a_label_the_loader_accepts(server: LabellingServer) -> None:
    body = accepted_as_is(server, IDS[0])
    body["events"][0]["fatalities"] = {"min": 2, "max": 5}
    body["events"][1]["required"] = False
    body["must_mention"] = [["Baaj", "al-Baaj"]]
    status, answer = request(server, "PUT", f"/api/articles/{IDS[0]}", body=body)
    assert status == 200, answer
    assert answer == {
        "saved": str(server.session.label_path(IDS[0])),
        "reviewed": 1,
        "total": 2,
    }
    (item,) = load_dataset(server.session.root)
    assert item.label.events[0].fatalities is not None
    assert [event.required for event in item.label.events] == [True, False, True]
    assert item.label.must_mention == [["Baaj", "al-Baaj"]]
    saved = json.loads(server.session.label_path(IDS[0]).read_text(encoding="utf-8"))
    assert "evidence" not in saved["events"][0] and "state" not in saved["events"][0]
    # The news codebook is the contract's default: the folder needs no codebook.yaml.
    assert not (server.session.root / "codebook.yaml").exists()


def test_a_label_the_contract_refuses_is_not_written(server: LabellingServer) -> None:
    body = accepted_as_is(server, IDS[0])
    body["brief"] = ""
    body["events"][0]["event_type"] = "skirmish"
    body["events"][1]["date"] = "2030-01-01"  # after publication
    status, answer = request(server, "PUT", f"/api/articles/{IDS[0]}", body=body)
    assert status == 422
    problems = "\n".join(answer["problems"])
    assert "brief" in problems and "skirmish" in problems and "2030-01-01" in problems
    assert not server.session.root.exists()


def test_a_restarted_session_resumes_from_the_saved_labels(
    session: LabellingSession, tmp_path: Path
) -> None:
    with running(session) as server:
        body = accepted_as_is(server, IDS[1])
        body["brief"] = "A corrected brief."
        del body["events"][0]  # rejected
        assert request(server, "PUT", f"/api/articles/{IDS[1]}", body=body)[0] == 200
    again = open_session(
        tmp_path / "results.jsonl",
        [SEEDS / "articles" / f"{article_id}.txt" for article_id in IDS],
        session.root,
    )
    assert again.progress() == (1, 2)
    state = again.article_state(IDS[1])
    assert state["brief"] == "A corrected brief." and state["reviewed"] is True
    assert len(state["events"]) == len(session.prefills[IDS[1]].events) - 1
    assert again.article_state(IDS[0])["saved"] is False


def test_page_text_is_never_markup() -> None:
    """The page's script builds the DOM from data with textContent, never innerHTML."""
    from importlib import resources

    script = resources.files("summarizer.review").joinpath("labelling.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


# -- the command ----------------------------------------------------------------------------


def test_the_command_prints_its_url_saves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    articles = [SEEDS / "articles" / f"{article_id}.txt" for article_id in IDS]
    results = offline_results(articles, tmp_path / "results.jsonl")
    dataset = tmp_path / "labels"
    command = [sys.executable, "-c", "from summarizer.cli import main; main()", "review"]
    command += [str(results), "--articles", str(articles[0]), "--articles", str(articles[1])]
    command += ["--dataset", str(dataset)]
    env = {**os.environ, "SUMMARIZER_HOME": str(tmp_path / "home")}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    lines = []
    while not any(line.startswith("Open http") for line in lines):
        line = process.stderr.readline()
        assert line, "".join(lines)
        lines.append(line)
    url = lines[-1].split()[1]
    assert url.startswith("http://127.0.0.1:") and "token=" in url
    port, token = int(url.split(":")[2].split("/")[0]), url.split("token=")[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", f"/api/articles/{IDS[0]}", headers={"X-Label-Token": token})
    state = json.loads(connection.getresponse().read())
    body = {"brief": state["brief"], "events": state["events"], "reviewed": True}
    connection.request(
        "PUT", f"/api/articles/{IDS[0]}", body=json.dumps(body), headers={"X-Label-Token": token}
    )
    assert connection.getresponse().status == 200
    connection.close()
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=20)
    assert process.returncode == 0, rest
    assert f"Saved {dataset / 'labels' / IDS[0]}.json (1 of 2 reviewed)" in rest
    assert "Stopped: 1 of 2 article(s) reviewed, 1 save(s) this session" in rest
    assert len(load_dataset(dataset)) == 1


def test_a_dataset_of_another_codebook_is_refused(tmp_path: Path) -> None:
    articles = [SEEDS / "articles" / f"{IDS[0]}.txt"]
    results = offline_results(articles, tmp_path / "results.jsonl")
    dataset = tmp_path / "labels"
    dataset.mkdir()
    examples = Path(__file__).resolve().parent.parent / "examples" / "codebooks"
    (dataset / "codebook.yaml").write_bytes((examples / "protest.yaml").read_bytes())
    ran = run_cli(
        [
            *("review", str(results), "--articles", str(articles[0])),
            *("--dataset", str(dataset), "--codebook", "news"),
        ]
    )
    assert ran.exit_code == 2
    assert "codebook protest-monitor" in ran.stderr and "not news" in ran.stderr


# -- agreement ------------------------------------------------------------------------------


def _copy_seed(folder: Path, article_id: str, edit: Any = None) -> None:
    for kind, suffix in (("articles", ".txt"), ("labels", ".json")):
        (folder / kind).mkdir(parents=True, exist_ok=True)
        text = (SEEDS / kind / f"{article_id}{suffix}").read_text(encoding="utf-8")
        if kind == "labels" and edit is not None:
            label = json.loads(text)
            edit(label)
            text = json.dumps(label)
        (folder / kind / f"{article_id}{suffix}").write_text(text, encoding="utf-8")


def test_labels_agree_reports_each_field(tmp_path: Path) -> None:
    def other_reading(label: dict[str, Any]) -> None:
        label["events"][0]["fatalities"] = 99
        label["events"][0]["event_type"] = "other"

    first, second = tmp_path / "ann", tmp_path / "bo"
    for article_id in IDS:
        _copy_seed(first, article_id)
        _copy_seed(second, article_id, other_reading if article_id == IDS[0] else None)
    _copy_seed(first, "yemen-prisoner-exchange")
    ran = run_cli(["labels", "agree", str(first), str(second), "--json"])
    assert ran.exit_code == 0, ran.stderr
    report = json.loads(ran.stdout)
    events = sum(
        len(json.loads((first / "labels" / f"{i}.json").read_text())["events"]) for i in IDS
    )
    assert report["articles"] == 2 and report["only_first"] == ["yemen-prisoner-exchange"]
    assert report["events_matched"] == events and report["event_f1"] == 1.0
    fields = report["fields"]
    assert fields["fatalities"] == {"agreement": (events - 1) / events, "pairs": events}
    assert fields["event_type"]["agreement"] == (events - 1) / events
    assert fields["location"]["agreement"] == 1.0 and fields["actors"]["agreement"] == 1.0
    assert 0 < report["event_type_kappa"] < 1
    table = run_cli(["labels", "agree", str(first), str(second)])
    assert "fatalities" in table.stdout and "Only in" in table.stdout


# -- a codebook with extra fields ---------------------------------------------------------

PROTEST_ARTICLE = (
    "date 2024-03-02 Lyon: About 3,200 nurses marched through Lyon on Saturday to demand "
    "higher pay, in a protest called by the CGT union. Police did not intervene."
)


def _protest_session(tmp_path: Path) -> LabellingSession:
    from summarizer.article import Article
    from summarizer.codebook import load_codebook_or_fail

    codebook = load_codebook_or_fail(
        Path(__file__).resolve().parent.parent / "examples" / "codebooks" / "protest.yaml"
    )
    article = Article.from_text(PROTEST_ARTICLE, id="lyon-nurses")
    return LabellingSession(tmp_path / "labels", [article], {}, codebook)


def test_the_codebook_file_written_is_the_same_codebook(tmp_path: Path) -> None:
    from summarizer.codebook import Codebook

    session = _protest_session(tmp_path)
    text = session.codebook_file_text()
    assert text is not None
    written = tmp_path / "codebook.yaml"
    written.write_text(text, encoding="utf-8")
    assert Codebook.load(written) == session.codebook


@pytest.mark.skipif(
    not hasattr(__import__("summarizer.evaluation.dataset").evaluation.dataset, "label_model"),
    reason="needs the loader that reads a data set's codebook.yaml (issue 19's eval branch)",
)
def test_extra_fields_are_saved_flat_and_the_loader_accepts_them(tmp_path: Path) -> None:
    session = _protest_session(tmp_path)
    event = {
        "required": True,
        "event_type": "demonstration",
        "sub_event_type": "march",
        "date": "2024-03-02",
        "location": {"name": "Lyon", "country": "France"},
        "actors": ["nurses", "CGT"],
        "fatalities": None,
        "crowd_size": 3200,
        "claims": ["higher pay"],
        "police_response": ["none"],
        "organizer": "CGT",
        "protester_violence": False,
        "summary": "Nurses marched to demand higher pay.",
        "evidence": [{"start": 25, "end": 60}],
        "state": "accepted",
    }
    session.save("lyon-nurses", {"brief": "Nurses marched in Lyon.", "events": [event]})
    saved = json.loads(session.label_path("lyon-nurses").read_text(encoding="utf-8"))
    assert saved["events"][0]["crowd_size"] == 3200
    assert saved["events"][0]["police_response"] == ["none"]
    assert (session.root / "codebook.yaml").is_file()
    (item,) = load_dataset(session.root)
    assert item.label.events[0].crowd_size == 3200  # type: ignore[attr-defined]


def test_the_static_page_says_how_to_label_its_results() -> None:
    from summarizer.review import render_review

    page = render_review([])
    assert "read-only" in page
    assert "summarize review RESULTS.jsonl --articles ARTICLES --dataset DIR" in page
