from io import StringIO

from django.core.management import call_command


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exit_:
        raise AssertionError(f"Missing migrations:\n{out.getvalue()}") from exit_
