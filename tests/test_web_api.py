"""The HTTP API exercised by schemathesis against its own OpenAPI document, on a real server.

Read operations get generated requests (few examples each, to keep the run bounded); every response
must match the document and no request may cause a server error. Write operations are checked for
authentication here and for behaviour in tests/test_web.py (generated writes could make the test
endpoint send to generated addresses, which must never leave 127.0.0.1)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from storage.database import Database
from tests.web_data import fill, serving
from web.app import create_app

TOKEN = "api-token"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('api') / 'fzwatch.sqlite3'}")
    db.migrate()
    fill(db)
    with serving(create_app(db, token=TOKEN)) as base:
        yield base
    db.dispose()


def test_read_operations_match_the_document(base_url: str) -> None:
    # schemathesis' pytest plugin (from_fixture) does not run under pytest 9 yet: drive each operation's
    # hypothesis strategy directly instead.
    schema = schemathesis.openapi.from_url(base_url + "/api/openapi.json").include(method="GET")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate()

        check()


def _post(url: str, token: str | None) -> int:
    req = urllib.request.Request(url, data=b"{}", method="POST", headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def test_every_write_operation_refuses_requests_without_a_token(base_url: str) -> None:
    with urllib.request.urlopen(base_url + "/api/openapi.json", timeout=10) as resp:
        spec = json.loads(resp.read())
    writes = [(path, method) for path, ops in spec["paths"].items() for method in ops if method != "get"]
    assert len(writes) >= 5
    for path, method in writes:
        assert spec["paths"][path][method]["security"] == [{"bearer": []}], (path, method)
        url = base_url + path.replace("{site_id}", "trs").replace("{sub_id}", "1")
        req = urllib.request.Request(
            url,
            data=b"{}" if method != "delete" else None,
            method=method.upper(),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 401, (path, method)
    assert _post(base_url + "/api/sites/trs/recrawl", "wrong") == 401
    assert _post(base_url + "/api/sites/trs/recrawl", TOKEN) == 202


def test_openapi_document_is_stable_and_documents_chinese_summaries(base_url: str) -> None:
    with urllib.request.urlopen(base_url + "/api/openapi.json", timeout=10) as resp:
        spec = json.loads(resp.read())
    assert spec["openapi"].startswith("3.") and Path("/api/openapi.json").name == "openapi.json"
    assert "报告" in spec["paths"]["/api/reports"]["get"]["summary"]
