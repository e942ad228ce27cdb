"""The portal is MIT-licensed, and the image lists the licences of what it bundles."""

import re
import tomllib

from django.core.management import call_command

from .test_configuration import ROOT


def _rows(text: str, section: str) -> dict[str, str]:
    """Package name -> licence, from one section of the generated list."""
    block = text.split(f"\n{section}\n\n", 1)[1].split("\n\n", 1)[0]
    return {
        name.lower(): licence
        for name, _version, licence in (
            re.split(r"\s{2,}", row, maxsplit=2) for row in block.splitlines()
        )
    }


def test_the_portal_is_mit_licensed_by_its_contributors():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 The SSP Portal contributors" in text
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "MIT"


def test_the_licence_list_names_every_installed_dependency_and_its_licence(tmp_path):
    out = tmp_path / "THIRD_PARTY_LICENCES.txt"
    call_command("third_party_licences", output=str(out))
    text = out.read_text()
    python = _rows(text, "Python packages")
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in dependencies:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group().lower()
        assert name in python, name
        assert python[name] and not python[name].startswith("not stated"), name
    assert python["django"] == "BSD-3-Clause"
    assert python["ssp-portal"] == "MIT"
    npm = _rows(text, "npm packages")
    assert npm["govuk-frontend"] == "MIT"
    assert npm["@ministryofjustice/frontend"] == "MIT"
    assert "axe-core" not in npm  # a development tool: not in the image


def test_the_image_writes_the_list_when_it_is_built():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "manage.py third_party_licences --output THIRD_PARTY_LICENCES.txt" in dockerfile
    # pip reads LICENSE when it installs the portal, before the rest of the source is copied.
    assert "COPY pyproject.toml LICENSE ./" in dockerfile
