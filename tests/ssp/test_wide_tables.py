"""Every table sits in its own scrolling region, so no page scrolls sideways on a phone.

The one pattern (static/scss/_portal.scss, .app-table-scroll) is checked here on the templates
themselves, so a new table cannot forget it; the browser tests walk the pages at 375 pixels.
"""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
REGION = re.compile(
    r'<div class="[^"]*\bapp-table-scroll\b[^"]*" role="region" '
    r'aria-(label|labelledby)="[^"]+" tabindex="0">\s*$'
)
# Not ours to wrap.
FITS_A_PHONE = {
    # allauth's own pages (sessions, e-mail addresses) pass their table through this element.
    "allauth/elements/table.html",
}


def tables():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if '<table class="govuk-table' in line and name not in FITS_A_PHONE:
                yield f"{name}:{number + 1}", lines[number - 1] if number else ""


def test_the_templates_have_tables_to_check():
    assert len(list(tables())) >= 40


def test_every_table_scrolls_inside_its_own_labelled_focusable_region():
    bare = [where for where, before in tables() if not REGION.search(before)]
    assert bare == [], "wrap these in the .app-table-scroll region: " + ", ".join(bare)
