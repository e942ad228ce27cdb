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

Every kind's rows have a `code` (their public identifier) and a `school`; those two are all
disposal needs to find a record and say whose it was. What goes with a record is found from
the models themselves: rows that point at it and are of no kind of their own (its events,
notes, attachments, shares, summaries, messages, pupil links) go with it, with their history
rows; a record of another kind that points at it (an incident made from a concern) keeps
itself and loses the pointer.

Rows elsewhere that name a record only by its code (a disclosure in the sharing log, a
notification's link, a pending roll import's preview) are not records about anyone on their
own. An app that keeps such rows says so with a second function in its `holdings.py`:

    def mentions(codes) -> list[Mention]

naming the rows that mention any of `codes` and how they are forgotten (deleted with their
history, or an app's own `forget`). `mentions_of(codes)` asks every app.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module

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
    # The lookup from a row to the pupils it is about ("involved__pupil"; "" for a pupil), or
    # several when a row reaches its pupils in more than one way (an enquiry is about a pupil
    # or about a concern): `pupil_paths` always gives them as a tuple.
    pupil_path: str | tuple[str, ...]
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
    # Rows of this kind about no pupil of the portal (an Encompass notification no pupil on
    # the roll matched): retention must still reach them, so they are reviewed and disposed
    # of like the rest, but no pupil's subject access or legal hold finds them through a
    # pupil. None when every row of the kind is about a pupil.
    about_no_pupil: QuerySet | None = None
    # The row's own field holding the child's date of birth, for rows about no pupil (the
    # date the police gave); periods from birth use it where no pupil is linked.
    born: str = ""

    @property
    def model(self):
        return self.rows.model

    @property
    def pupil_paths(self) -> tuple[str, ...]:
        return (self.pupil_path,) if isinstance(self.pupil_path, str) else self.pupil_path


@dataclass(frozen=True)
class Mention:
    """Rows that name records by code without being part of them (see the module's doc)."""

    # What they are, for a disposal certificate's counts ("sharing log entries").
    label: str
    # The rows mentioning any of the codes asked about.
    rows: QuerySet
    # How they are forgotten: None deletes them with their history rows; otherwise a
    # function the app owns, given the rows (it keeps the row and drops what names anyone).
    forget: Callable[[QuerySet], int] | None = None


def held_about_pupils(pupils: QuerySet) -> list[Holding]:
    """Every app's holdings about these pupils, app by app in INSTALLED_APPS order."""
    found = []
    for name in _holdings_modules():
        found.extend(import_string(f"{name}.holdings.held_about")(pupils))
    return found


def _holdings_modules():
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "holdings"):
            yield config.name


def mentions_of(codes) -> list[Mention]:
    """Every app's rows that mention any of these record codes."""
    found = []
    for name in _holdings_modules():
        module = import_module(f"{name}.holdings")
        if hasattr(module, "mentions"):
            found.extend(module.mentions(codes))
    return found
