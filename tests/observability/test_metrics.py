"""The metric set: names and labels as documented, one registry per instance, valid output."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from autoglm_ops.observability.metrics import REQUEST_LABELS, Metrics

DOC = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


def documented() -> dict[str, tuple[str, tuple[str, ...]]]:
    """{exposed name: (type, labels)} from the metrics table of docs/observability.md."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(autoglm_\w+)` \| (\w+) \|([^|]*)\|", line)
        if m:
            labels = tuple(x.strip() for x in m.group(3).split(",") if x.strip())
            rows[m.group(1)] = (m.group(2), labels)
    return rows


def defined() -> dict[str, tuple[str, tuple[str, ...]]]:
    """{exposed name: (type, labels)} of what Metrics registers."""
    out = {}
    for collector in Metrics().registry._collector_to_names:
        for family in collector.describe():
            exposed = family.name + ("_total" if family.type == "counter" else "")
            labels = tuple(getattr(collector, "_labelnames", ()))
            out[exposed] = (family.type, labels)
    return out


def test_names_types_and_labels_match_the_documentation() -> None:
    assert documented() == defined()


def test_registries_are_independent() -> None:
    a, b = Metrics(), Metrics()
    a.requests.labels("extract", "income_parsing", "rules", "rules@1", "200").inc()
    labels = dict(
        zip(REQUEST_LABELS, ("extract", "income_parsing", "rules", "rules@1", "200"), strict=True)
    )
    assert a.value("autoglm_requests_total", labels) == 1
    assert b.value("autoglm_requests_total", labels) is None
    shared = CollectorRegistry()
    assert Metrics(shared).registry is shared


def test_exposition_parses_and_review_queue_reads_at_scrape() -> None:
    m = Metrics()
    size = [3.0]
    m.track_review_queue(lambda: size[0])
    m.field_confidence.labels("income_parsing", "income_amount").observe(0.93)
    m.qa_accuracy.labels("income_parsing", "local@1").set(0.91)
    families = {f.name: f for f in text_string_to_metric_families(m.render().decode())}
    assert families["autoglm_review_queue_size"].samples[0].value == 3.0
    size[0] = 7.0
    assert m.value("autoglm_review_queue_size") == 7.0
    buckets = [
        s for s in families["autoglm_field_confidence"].samples if s.name.endswith("_bucket")
    ]
    assert {s.labels["le"] for s in buckets} >= {"0.9", "0.95", "1.0"}
    assert (
        m.value("autoglm_qa_accuracy", {"task": "income_parsing", "model_version": "local@1"})
        == 0.91
    )


def test_latency_buckets_bracket_the_500_ms_alert() -> None:
    m = Metrics()
    m.request_duration.labels("extract", "t", "b", "m", "200").observe(0.4)
    labels = {
        "route": "extract",
        "task": "t",
        "backend": "b",
        "model_version": "m",
        "status": "200",
    }
    assert m.value("autoglm_request_duration_seconds_bucket", {**labels, "le": "0.5"}) == 1
    assert m.value("autoglm_request_duration_seconds_bucket", {**labels, "le": "0.25"}) == 0
