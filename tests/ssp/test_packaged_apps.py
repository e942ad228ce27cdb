"""Every app of the project is in the package the production image installs (`pip install .`
in the Dockerfile): setuptools finds only what pyproject.toml's include names."""

import fnmatch
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings


def test_every_project_app_is_packaged():
    pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ours = [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).parent == Path(settings.BASE_DIR)  # a folder of the project's own
    ]
    assert "encompass" in ours and "ssp" in ours
    left_out = [name for name in ours if not any(fnmatch.fnmatch(name, p) for p in include)]
    assert left_out == []


def test_the_image_copies_every_packaged_app_before_installing_it():
    # The Dockerfile copies the apps, then runs `pip install .`, then copies the rest: an app
    # copied only afterwards would be left out of the installed package.
    root = Path(settings.BASE_DIR)
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packaged = {p.rstrip("*") for p in include}
    lines = (root / "Dockerfile").read_text().splitlines()
    install = next(i for i, line in enumerate(lines) if line.startswith("RUN pip install"))
    copied = {
        line.split()[1]
        for line in lines[:install]
        if line.startswith("COPY ") and "--from" not in line
    }
    assert packaged <= copied, sorted(packaged - copied)
