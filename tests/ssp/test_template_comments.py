"""A template comment in {# #} ends on its own line: Django shows one that runs over lines to
the reader, as the incident form once showed its note on the facts' groups. Longer notes use
{% comment %}. Checked on the templates themselves, as test_wide_tables.py checks tables."""

from tests.ssp.test_wide_tables import TEMPLATES


def unclosed_comments():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES)
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if line.count("{#") > line.count("#}"):
                yield f"{name}:{number}"


def test_the_templates_have_comments_to_check():
    comments = sum(path.read_text().count("{#") for path in TEMPLATES.rglob("*.html"))
    assert comments >= 10


def test_every_short_comment_closes_on_its_own_line():
    unclosed = list(unclosed_comments())
    assert unclosed == [], "use {% comment %} for these: " + ", ".join(unclosed)
