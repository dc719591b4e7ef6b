"""Deployment files: docker-compose.yml validates with the Docker Compose CLI and wires the services as
docs/deploy.md says. No image is built and nothing is started (no network in tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "RABBITMQ_PASSWORD": "mq-secret",
    "FZWATCH_SECRET_KEY": "fernet-key",
    "FZWATCH_WEB_TOKEN": "web-token",
    "FZWATCH_WEB_SECRET": "web-secret",
}


def _compose() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], check=False, capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


COMPOSE = _compose()
needs_compose = pytest.mark.skipif(COMPOSE is None, reason="Docker Compose CLI not installed")


def _config(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    clean = {
        k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith(("FZWATCH_", "COMPOSE_"))
    }
    return subprocess.run(
        [*COMPOSE, "-f", str(REPO / "docker-compose.yml"), "--project-directory", str(REPO), "config", *args],
        check=False,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@needs_compose
def test_compose_config_validates_with_secrets() -> None:
    result = _config(SECRETS, "-q")
    assert result.returncode == 0, result.stderr


@needs_compose
def test_compose_refuses_a_missing_secret_by_name() -> None:
    result = _config({k: v for k, v in SECRETS.items() if k != "FZWATCH_SECRET_KEY"}, "-q")
    assert result.returncode != 0
    assert "FZWATCH_SECRET_KEY" in result.stderr


@needs_compose
def test_compose_services_wiring() -> None:
    result = _config(SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {"postgres", "broker", "migrate", "daemon", "web", "worker"} <= set(services)
    for name in ("daemon", "web", "worker"):
        svc = services[name]
        assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert "healthcheck" in svc, name
        assert svc["environment"]["FZWATCH_DB"].startswith("postgresql+psycopg://fzwatch:pg-secret@postgres")
        assert svc["environment"]["FZWATCH_BROKER"].startswith("amqp://fzwatch:mq-secret@broker")
    assert "worker" in services["worker"]["command"]
    assert set(services["worker"]["environment"]) <= {"FZWATCH_DB", "FZWATCH_BROKER", "FZWATCH_LOG_LEVEL"}, (
        "workers need only the database and the broker"
    )
    assert services["daemon"]["environment"]["FZWATCH_SECRET_KEY"] == "fernet-key"
    assert "ports" not in services["worker"] and "container_name" not in services["worker"]  # --scale works
    assert services["web"]["command"][:3] == ["web", "--host", "0.0.0.0"]
    assert services["web"]["environment"]["FZWATCH_WEB_TOKEN"] == "web-token"
    assert "db upgrade" in " ".join(services["migrate"]["entrypoint"])


def test_dockerfile_installs_package_with_chromium_and_cjk_fonts_as_non_root() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim-bookworm" in text
    assert "chromium" in text and "fonts-noto-cjk" in text
    assert "pip install ." in text
    assert "\nUSER fzwatch" in text and 'VOLUME ["/data"]' in text
