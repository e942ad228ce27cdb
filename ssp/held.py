"""What each app holds about pupils, said once per app.

Retention, legal hold, disposal and subject access (the `records` app) must reach every app's
records about a child, but no app is taught about `records`. Instead each app that holds
records about pupils has a module `holdings.py` with one function:

    def held_about(pupils) -> list[Holding]

`pupils` is a queryset of `schools.Pupil`. The answer names, for each kind of record the app
keeps, the rows about any of those pupils, who controls them (the school or the force), and
how a row reaches its pupils and its date, which is all the retention rules need. Rows that
belong to a record (its events, notes, attachments, links to pupils, history) are not kinds
of their own: they go with their record.

`held_about_pupils(pupils)` asks every installed app and returns the answers together.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.apps import apps
from django.db.models import QuerySet
from django.utils.module_loading import import_string, module_has_submodule


class Controller(StrEnum):
    """Who decides what happens to a record: the school (as data controller) or the force."""

    SCHOOL = "school"
    POLICE = "police"


@dataclass(frozen=True)
class Holding:
    # A stable key for the kind of record ("concern"); retention rules are kept per kind.
    kind: str
    # What people call them, plural ("Safeguarding concerns").
    label: str
    controller: Controller
    # The records of this kind about any of the pupils asked about.
    rows: QuerySet
    # The lookup from a row to the pupils it is about ("involved__pupil"; "" for a pupil).
    pupil_path: str
    # The field saying when the record was made ("created_at"), for periods that run from it.
    dated_by: str
    # For police records: the lookup or expression giving the MoPI group (1, 2 or 3), when the
    # kind's records differ in group; None when one group serves the whole kind.
    group: object = None
    # Other kinds this one's records depend on (a kind listed here is disposed of after it).
    after: tuple[str, ...] = field(default_factory=tuple)
    # Whose records they are, for the review list: the lookup from a row to the School (a
    # school's records) or the Team (police records) that owns it. "" for a school's records
    # means the row's own `school`; police records must name their team's lookup.
    owned_by: str = ""
    # The field people quote for a record ("reference"); "" when the kind has none.
    reference: str = ""


def held_about_pupils(pupils: QuerySet) -> list[Holding]:
    """Every app's holdings about these pupils, app by app in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "holdings"):
            found.extend(import_string(f"{config.name}.holdings.held_about")(pupils))
    return found
