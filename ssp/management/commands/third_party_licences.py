"""Write the licences of what the portal bundles: its Python packages and npm packages.

The Dockerfile runs it in the image, so the list is of what that image really installed:
`python manage.py third_party_licences --output THIRD_PARTY_LICENCES.txt`.
"""

import json
from importlib.metadata import Distribution, distributions
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

CLASSIFIER = "License :: "


def python_licence(dist: Distribution) -> str:
    """The package's own word on its licence: its SPDX expression, else a short licence field,
    else its trove classifiers."""
    meta = dist.metadata
    if meta.get("License-Expression"):
        return meta["License-Expression"]
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= 60 and not field.startswith("Copyright"):
        return field
    classifiers = [
        c.removeprefix(CLASSIFIER).removeprefix("OSI Approved :: ")
        for c in meta.get_all("Classifier") or []
        if c.startswith(CLASSIFIER)
    ]
    return " / ".join(classifiers) or "not stated (see the package)"


def python_packages() -> list[tuple[str, str, str]]:
    found = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in found:
            found[name.lower()] = (name, dist.version, python_licence(dist))
    return sorted(found.values(), key=lambda row: row[0].lower())


def npm_packages(lockfile: Path) -> list[tuple[str, str, str]]:
    """The packages npm installs for the build (not the development-only ones), from the lock."""
    packages = json.loads(lockfile.read_text())["packages"]
    rows = {
        path.rpartition("node_modules/")[2]: (info.get("version", ""), info.get("license", ""))
        for path, info in packages.items()
        if path and not info.get("dev") and not info.get("optional")
    }
    return sorted(
        (name, version, licence or "not stated (see the package)")
        for name, (version, licence) in rows.items()
    )


def table(rows: list[tuple[str, str, str]]) -> list[str]:
    width = max(len(name) for name, _, _ in rows) + 2
    # Versions such as certifi's 2026.10.19.post1 are long: the column fits the longest.
    version_width = max(14, *(len(version) + 2 for _, version, _ in rows))
    return [
        f"{name:<{width}}{version:<{version_width}}{licence}" for name, version, licence in rows
    ]


class Command(BaseCommand):
    help = "Write the licences of the Python and npm packages the portal bundles."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the file to write (default: print them)")

    def handle(self, *args, output=None, **options):
        lines = [
            "Third-party software in the SSP Portal and its licences",
            "",
            "The SSP Portal itself is MIT-licensed (see LICENSE). It runs on the Python packages",
            "below, and its styles, scripts, fonts and images are built from the npm packages",
            "below. Each package's own licence text is in the package.",
            "",
            "Python packages",
            "",
            *table(python_packages()),
            "",
            "npm packages",
            "",
            *table(npm_packages(Path(settings.BASE_DIR) / "package-lock.json")),
            "",
        ]
        text = "\n".join(lines)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
