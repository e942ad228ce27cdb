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
    """`docker compose` (the plugin), else the standalone `docker-compose` (Debian packages
    1.29, which reads the same Compose specification), else a skip."""
    docker = shutil.which("docker")
    if docker is not None:
        version = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if version.returncode == 0:
            return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    if standalone is not None:
        return [standalone]
    pytest.skip("neither docker's compose plugin nor docker-compose is installed here")


def _compose_config(compose_file, tmp_path):
    compose = _compose()
    # env_file names .env, which a checkout does not have: give it the documented example.
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    env = {**os.environ, "POSTGRES_PASSWORD": "check-only"}
    return subprocess.run(
        [*compose, "--project-directory", str(tmp_path), "-f", str(compose_file)]
        + ["config", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_file_is_valid(tmp_path):
    result = _compose_config(ROOT / "docker-compose.yml", tmp_path)
    assert result.returncode == 0, result.stderr


def test_the_compose_check_refuses_a_broken_file(tmp_path):
    # The checker above is a real one: a service with a misspelt key fails it.
    broken = tmp_path / "broken.yml"
    text = (ROOT / "docker-compose.yml").read_text()
    broken.write_text(text.replace("services:\n", "services:\n  broken:\n    imagex: x\n", 1))
    result = _compose_config(broken, tmp_path)
    assert result.returncode != 0
    assert "imagex" in result.stdout + result.stderr
