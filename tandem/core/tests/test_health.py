import pytest

from tandem.core import jobs

pytestmark = pytest.mark.django_db


def test_healthz_ok_when_database_and_jobs_answer(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "jobs": "ok"}
    assert response.status_code == 200


def test_healthz_503_names_a_stale_job_consumer(client, monkeypatch):
    monkeypatch.setattr(jobs.HUEY, "immediate", False)
    jobs.HUEY.storage.put_data(jobs.HEARTBEAT_KEY, b"0")
    try:
        response = client.get("/healthz")
    finally:
        jobs.HUEY.storage.flush_all()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down" and body["database"] == "ok"
    assert body["jobs"].startswith("down: last consumer heartbeat")


def test_healthz_503_when_no_consumer_ever_reported(client, monkeypatch):
    monkeypatch.setattr(jobs.HUEY, "immediate", False)
    jobs.HUEY.storage.flush_all()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["jobs"] == "down: no job consumer has reported"


def test_fresh_heartbeat_is_ok(client, monkeypatch):
    monkeypatch.setattr(jobs.HUEY, "immediate", False)
    jobs.beat()
    try:
        assert client.get("/healthz").json()["jobs"] == "ok"
    finally:
        jobs.HUEY.storage.flush_all()


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/healthz").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
