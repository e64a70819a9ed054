"""GET /v1/reviews and POST /v1/requests/{id}/review against a real server (SQLite and
PostgreSQL): the reviewer's queue, labels, their errors, and the metrics they feed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from autoglm_ops.api.rest.app import create_app
from autoglm_ops.service.platform import Platform
from tests.conftest import LiveServer

TEXT = "我叫王小明，手机13812345678，月薪税后一万八，公积金正常缴纳"


class Api:
    def __init__(self, url: str, platform: Platform) -> None:
        self.url, self.platform = url, platform

    def client(self, scope: str, tenant: str = "bank-a") -> httpx.Client:
        key = self.platform.store.create_key([scope], tenant=tenant).secret
        return httpx.Client(
            base_url=self.url, timeout=20, headers={"Authorization": f"Bearer {key}"}
        )


@pytest.fixture
def api(platform: Platform) -> Iterator[Api]:
    # every auto-accepted answer is drawn for QA, so the test controls both queues
    platform.settings = platform.settings.model_copy(update={"qa_sample_rate": 1.0})
    with LiveServer(create_app(platform=platform)) as srv:
        yield Api(srv.url, platform)


def extract(api: Api, client: httpx.Client, *, needs_review: bool) -> str:
    threshold = 1.0 if needs_review else 0.0
    api.platform.settings = api.platform.settings.model_copy(update={"review_threshold": threshold})
    r = client.post("/v1/extract", json={"text": TEXT, "task": "income_parsing"})
    assert r.status_code == 200, r.text
    assert r.json()["review"]["required"] is needs_review
    return str(r.json()["request_id"])


def test_reviewer_lists_and_labels_the_queue(api: Api) -> None:
    with api.client("extract") as caller, api.client("review") as reviewer:
        needs = extract(api, caller, needs_review=True)
        auto = extract(api, caller, needs_review=False)

        r = reviewer.get("/v1/reviews")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["kind"] == "review" and body["pending"] == 1
        [item] = body["items"]
        assert item["request_id"] == needs and item["reasons"]
        assert set(item["fields"]["income_amount"]) == {"value", "confidence", "evidence"}
        assert TEXT not in r.text and "13812345678" not in r.text

        qa = reviewer.get("/v1/reviews", params={"kind": "qa", "limit": 10}).json()
        assert [i["request_id"] for i in qa["items"]] == [auto]

        r = reviewer.post(f"/v1/requests/{auto}/review", json={"fields": {}})
        assert r.status_code == 201, r.text
        assert r.json()["kind"] == "qa" and r.json()["agreement"] == 1.0
        r = reviewer.post(
            f"/v1/requests/{needs}/review", json={"fields": {"income_amount": 18000.5}}
        )
        assert r.status_code == 201, r.text
        assert reviewer.get("/v1/reviews").json() == {"kind": "review", "pending": 0, "items": []}

        metrics = caller.get("/metrics").text
        assert 'autoglm_qa_accuracy{model_version="' in metrics
        assert "autoglm_review_queue_size 0.0" in metrics
        assert 'autoglm_review_labels_total{kind="review"' in metrics


def test_label_errors_are_clear_and_tenant_scoped(api: Api) -> None:
    with (
        api.client("extract") as caller,
        api.client("review") as reviewer,
        api.client("review", tenant="bank-b") as other,
    ):
        needs = extract(api, caller, needs_review=True)
        r = reviewer.post(f"/v1/requests/{needs}/review", json={"fields": {"salary": 1}})
        assert r.status_code == 422
        error = r.json()["error"]
        assert error["code"] == "invalid_input"
        assert "unknown field(s) salary" in error["message"] and "income_amount" in error["message"]
        r = reviewer.post(
            f"/v1/requests/{needs}/review", json={"fields": {"income_amount": "a lot"}}
        )
        assert r.status_code == 422 and "must be a number" in r.json()["error"]["message"]
        assert "a lot" not in r.text
        assert reviewer.post(f"/v1/requests/{needs}/review", json={}).status_code == 422
        r = reviewer.post(f"/v1/requests/{needs}/review", json={"fields": {}, "x": 1})
        assert r.status_code == 422

        r = other.post(f"/v1/requests/{needs}/review", json={"fields": {}})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        assert other.get("/v1/reviews").json()["pending"] == 0

        r = caller.post(f"/v1/requests/{needs}/review", json={"fields": {}})
        assert r.status_code == 403 and "'review' scope" in r.json()["error"]["message"]
        assert caller.get("/v1/reviews").status_code == 403

        assert reviewer.post(f"/v1/requests/{needs}/review", json={"fields": {}}).status_code == 201
        r = reviewer.post(f"/v1/requests/{needs}/review", json={"fields": {}})
        assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"

        assert reviewer.get("/v1/reviews", params={"kind": "all"}).status_code == 422
        assert reviewer.get("/v1/reviews", params={"limit": 0}).status_code == 422


def test_routes_document_their_errors(api: Api) -> None:
    doc = httpx.get(f"{api.url}/openapi.json", timeout=10).json()
    post = doc["paths"]["/v1/requests/{request_id}/review"]["post"]["responses"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(post)
    get = doc["paths"]["/v1/reviews"]["get"]["responses"]
    assert {"200", "401", "403", "422"} <= set(get)


def test_personal_data_in_ids_names_and_values_is_not_echoed(api: Api) -> None:
    phone, card, id_card = "13912345678", "6222020200112233446", "110105199003071235"
    with api.client("extract") as caller, api.client("review") as reviewer:
        needs = extract(api, caller, needs_review=True)
        bodies = [
            reviewer.post(f"/v1/requests/{id_card}/review", json={"fields": {}}),
            reviewer.post(f"/v1/requests/{needs}/review", json={"fields": {phone: 1}}),
            reviewer.post(f"/v1/requests/{needs}/review", json={"fields": {"currency": 1}}),
            reviewer.post(f"/v1/requests/{needs}/review", json={"fields": {"income_amount": card}}),
        ]
        assert [r.status_code for r in bodies] == [404, 422, 422, 422]
        for r in bodies:
            assert phone not in r.text and card not in r.text and id_card not in r.text
