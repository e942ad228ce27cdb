"""The production image builds: its static files collect, and its compose file parses."""

import json
import os
import shutil
import subprocess

import pytest

from .test_configuration import ROOT, manage, production_env


def test_static_files_collect_with_the_production_storage(tmp_path):
    # The Dockerfile's own step: DEBUG off, so whitenoise's manifest storage, which refuses
    # a stylesheet that names a file that is not there.
    env = production_env(STATIC_ROOT=str(tmp_path))
    env.pop("STATICFILES_BACKEND", None)
    result = manage("collectstatic", "--no-input", "--verbosity", "0", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    # The built stylesheet was post-processed, so every url() it names was found.
    assert "dist/app.css" in paths
    assert "govuk/assets/images/govuk-crest.svg" in paths
    css = (tmp_path / paths["dist/app.css"]).read_text()
    assert "/static/moj/assets/images/govuk-crest.svg" not in css


def _compose():
    """`docker compose`, or a skip when the machine has no Docker CLI with compose at all."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed here")
    version = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, timeout=30
    )
    if version.returncode != 0:
        pytest.skip("docker is installed without its compose plugin")
    return [docker, "compose"]


def test_compose_file_is_valid(tmp_path):
    compose = _compose()
    # env_file names .env, which a checkout does not have: give it the documented example.
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    env = {**os.environ, "POSTGRES_PASSWORD": "check-only"}
    result = subprocess.run(
        [*compose, "--project-directory", str(tmp_path), "-f", str(ROOT / "docker-compose.yml")]
        + ["config", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
