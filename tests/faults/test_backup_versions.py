"""`backup` refuses a pg_dump older than the server before it writes anything."""

import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ssp.management.commands.backup import require_client_for_server

ROOT = Path(__file__).resolve().parents[2]


def server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


@pytest.mark.django_db
def test_backup_refuses_a_pg_dump_older_than_the_server_and_writes_nothing(tmp_path, fake_pg_dump):
    fake_pg_dump(f"{server_major() - 1}.9 (Debian)")
    destination = tmp_path / "backups"
    with pytest.raises(CommandError) as refused:
        call_command("backup", destination)
    message = str(refused.value)
    assert f"pg_dump is PostgreSQL {server_major() - 1}'s" in message
    assert f"runs PostgreSQL {server_major()}" in message
    assert "Nothing was written" in message
    assert not destination.exists()


@pytest.mark.django_db
def test_a_pg_dump_of_the_servers_version_or_newer_is_accepted(fake_pg_dump):
    fake_pg_dump(f"{server_major()}.1")
    require_client_for_server("pg_dump")
    fake_pg_dump(f"{server_major() + 1}.0")
    require_client_for_server("pg_dump")


@pytest.mark.django_db
def test_a_pg_dump_that_does_not_say_its_version_is_refused(fake_pg_dump):
    fake_pg_dump("who knows")
    with pytest.raises(CommandError, match="did not say its version"):
        require_client_for_server("pg_dump")


def test_the_image_installs_the_client_of_the_postgresql_that_compose_runs():
    compose = (ROOT / "docker-compose.yml").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    server = re.search(r"image: postgres:(\d+)", compose).group(1)
    assert f"ARG POSTGRES_MAJOR={server}\n" in dockerfile
    assert '"postgresql-client-${POSTGRES_MAJOR}"' in dockerfile
    assert "apt.postgresql.org/pub/repos/apt bookworm-pgdg main" in dockerfile
    assert "FROM python:3.13-slim-bookworm" in dockerfile


def test_the_machines_own_pg_dump_says_its_version():
    # The parser reads what a real pg_dump prints, not only the fakes above.
    out = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout
    assert re.search(r"\(PostgreSQL\)\s+\d+", out)
