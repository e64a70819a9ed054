"""POST/GET /v1/applications against a real server (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from autoglm_ops.api.rest.app import create_app
from autoglm_ops.service.platform import Platform
from tests.conftest import LiveServer

TEXT = "我在国企上班五年了,月薪税后一万二,有五险一金。想贷款10万装修,分3年还,目前没有其他贷款。"


@pytest.fixture
def client(platform: Platform) -> Iterator[httpx.Client]:
    key = platform.store.create_key(["extract"], tenant="bank-a").secret
    with (
        LiveServer(create_app(platform=platform)) as srv,
        httpx.Client(base_url=srv.url, timeout=20, headers={"Authorization": f"Bearer {key}"}) as c,
    ):
        yield c


def test_application_is_decided_with_traceable_reasons(client: httpx.Client) -> None:
    r = client.post("/v1/applications", json={"text": TEXT, "form": {"age": 35}})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["decision"] in {"approve", "manual_review", "decline"}
    sug = body["suggestion"]
    assert sug["decision"] == body["decision"]
    assert sug["policy_version"] and "risk" in sug["model_versions"]
    assert all(reason["ref"] for reason in sug["reasons"])
    fields = body["fields"]
    assert fields["age"]["source"] == "form" and fields["age"]["value"] == 35
    assert fields["income_amount"]["value"] == 12000
    ev = fields["income_amount"]["evidence"]
    assert TEXT[ev["start"] : ev["end"]] == ev["text"]
    assert fields["requested_amount"]["value"] == 100000
    audit = client.get(f"/v1/applications/{body['application_id']}")
    assert audit.status_code == 200
    record = audit.json()
    assert record["decision"] == body["decision"]
    assert record["form"] == {"age": 35}
    assert "fired_rules" in record["suggestion"]["policy"]


def test_partial_application_is_stored_as_manual_review(client: httpx.Client) -> None:
    r = client.post("/v1/applications", json={"form": {"requested_amount": "lots"}})
    assert r.status_code == 201
    body = r.json()
    assert body["decision"] == "manual_review"
    assert body["intake_problems"]
    assert client.get(f"/v1/applications/{body['application_id']}").status_code == 200


def test_unknown_top_level_field_is_422_and_other_tenant_404(
    client: httpx.Client, platform: Platform
) -> None:
    assert client.post("/v1/applications", json={"txt": TEXT}).status_code == 422
    app_id = client.post("/v1/applications", json={"text": TEXT}).json()["application_id"]
    other = platform.store.create_key(["extract"], tenant="bank-b").secret
    r = client.get(f"/v1/applications/{app_id}", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404
