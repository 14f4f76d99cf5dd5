"""JUnit XML for an eval run: the test-report format CI systems show natively.

One test case per article, failing where a headline metric of that article fell
below the same article's value in the baseline by more than the tolerance (or,
without a baseline, where the article got no valid result), plus one case for
the run's headline metrics, failing exactly when the baseline gate fails.

An article's case weighs no counts: over one article's handful of events any
change is within what its counts explain, yet it is a change in that article's
result, which is what its case reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from summarizer.evaluation.gate import Regression, regressions

SUITE_NAME = "summarize eval"


def junit_xml(
    report: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    tolerance: float = 0.02,
) -> str:
    """The report (a report.json document) as a JUnit XML <testsuites> document."""
    given = report.get("run")
    run: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    articles = [item for item in report.get("articles") or [] if isinstance(item, Mapping)]
    before = {
        str(item.get("id")): item
        for item in ((baseline or {}).get("articles") or [])
        if isinstance(item, Mapping)
    }
    suites = ElementTree.Element("testsuites", name=SUITE_NAME)
    suite = ElementTree.SubElement(suites, "testsuite", name=SUITE_NAME)
    properties = ElementTree.SubElement(suite, "properties")
    for name in ("dataset", "backend", "model", "prompt_version", "schema_version"):
        ElementTree.SubElement(properties, "property", name=name, value=str(run.get(name) or ""))
    classname = f"eval.{run.get('backend')}"
    failures = 0
    if baseline is not None:
        case = ElementTree.SubElement(
            suite, "testcase", name="headline metrics", classname=classname
        )
        failures += _fail_on(case, regressions(report, baseline, tolerance), tolerance)
    for article in articles:
        article_id = str(article.get("id"))
        case = ElementTree.SubElement(
            suite,
            "testcase",
            name=article_id,
            classname=classname,
            time=f"{float(article.get('latency_s') or 0.0):.3f}",
        )
        error = article.get("error")
        if baseline is None:
            if error:
                failures += 1
                ElementTree.SubElement(case, "failure", message=f"no valid result: {error}")
            continue
        previous = before.get(article_id)
        if previous is None:
            ElementTree.SubElement(case, "skipped", message="not in the baseline")
            continue
        found = regressions(  # the metrics alone: see the module's docstring
            {"metrics": article.get("metrics") or {}},
            {"metrics": previous.get("metrics") or {}},
            tolerance,
        )
        if error:
            ElementTree.SubElement(case, "system-out").text = f"no valid result: {error}"
        failures += _fail_on(case, found, tolerance)
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(failures))
    suites.set("tests", suite.get("tests", "0"))
    suites.set("failures", str(failures))
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _fail_on(case: ElementTree.Element, found: list[Regression], tolerance: float) -> int:
    if not found:
        return 0
    failure = ElementTree.SubElement(
        case,
        "failure",
        message="; ".join(str(regression) for regression in found),
        type="regression",
    )
    failure.text = "\n".join(f"{regression} (tolerance {tolerance})" for regression in found)
    return 1
