"""An access rule changes in one place: these fail when a copy of one is written elsewhere.

- A set of two or more roles (`(Role.SPOC, Role.DEPUTY_SPOC)`, `(Role.STAFF, *SCHOOL_LEADS)`,
  `held_as(user, Role.SPOC, Role.HEAD)`) is named once in ssp/roles.py and used by name.
- A view does not refuse on a role test of its own (`if user.role ...: raise PermissionDenied`):
  it asks a named predicate of its app's access.py.
"""

import ast
import re
from pathlib import Path

import pytest

from ssp import roles

ROOT = Path(__file__).resolve().parents[2]
ROLE_SET_NAMES = {
    name
    for name, value in vars(roles).items()
    if name.isupper() and isinstance(value, tuple | frozenset)
}


def _source_files():
    for package in sorted(p.parent for p in ROOT.glob("*/__init__.py")):
        if package.name == "tests":
            continue
        for path in sorted(package.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _is_role(node) -> bool:
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "Role"
    if isinstance(node, ast.Starred):
        return isinstance(node.value, ast.Name) and node.value.id in ROLE_SET_NAMES
    return False


def role_sets_written(source: str) -> list[int]:
    """Lines where two or more roles are put together by hand."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            members = node.elts
        elif isinstance(node, ast.Call):
            members = node.args
        else:
            continue
        if sum(_is_role(m) for m in members) >= 2:
            lines.append(node.lineno)
    return lines


def _reads_role(node) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "role" for n in ast.walk(node))


def _refuses(statements) -> bool:
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Raise) and "PermissionDenied" in ast.unparse(node):
                return True
    return False


def role_refusals_written(source: str) -> list[int]:
    """Lines where a view refuses (403) on a role test of its own, or defines a helper that
    turns any boolean, role tests included, into a refusal."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and _reads_role(node.test) and _refuses(node.body):
            lines.append(node.lineno)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_require"):
            lines.append(node.lineno)
    return sorted(lines)


def _is_view_module(path: Path) -> bool:
    return path.name == "views.py" or path.name.endswith("_views.py") or "views" in path.parts


def test_no_role_set_is_written_outside_ssp_roles():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _source_files()
        if path.relative_to(ROOT).as_posix() != "ssp/roles.py"
        for line in role_sets_written(path.read_text())
    ]
    assert found == [], "Name these role sets in ssp/roles.py and use the names:\n" + "\n".join(
        found
    )


def test_no_view_refuses_on_a_role_test_of_its_own():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _source_files()
        if _is_view_module(path)
        for line in role_refusals_written(path.read_text())
    ]
    assert found == [], "Ask a named predicate of the app's access.py:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "allowed = user.role in (Role.SPOC, Role.DEPUTY_SPOC)",
        "allowed = user.role in [Role.STAFF, *SCHOOL_LEADS]",
        "ROLES = {Role.SSPO, Role.YET}",
        "schools = School.objects.held_as(user, Role.SPOC, Role.HEAD)",
        "schools = School.objects.held_as(user, *SCHOOL_LEADS, *SPOCS)",
    ],
)
def test_a_role_set_written_by_hand_is_found(source):
    assert role_sets_written(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "allowed = user.role == Role.SPOC or user.role in SCHOOL_LEADS",
        "schools = School.objects.held_as(user, *SCHOOL_LEADS)",
        "schools = School.objects.held_as(user, Role.HEAD)",
        "choices = (Pupil.Role.VICTIM, Pupil.Role.WITNESS)",
    ],
)
def test_a_named_role_set_or_a_single_role_is_not_a_copy(source):
    assert role_sets_written(source) == []


def test_a_view_refusing_on_a_role_test_is_found():
    source = (
        "def page(request):\n"
        "    if request.user.role not in SCHOOL_LEADS:\n"
        "        raise PermissionDenied\n"
        "def _require(allowed):\n"
        "    if not allowed:\n"
        "        raise PermissionDenied\n"
    )
    assert role_refusals_written(source) == [2, 4]


def test_a_view_asking_a_predicate_is_not_a_role_refusal():
    source = (
        "def page(request):\n"
        "    if not can_list_triage_queue(request.user):\n"
        "        raise PermissionDenied\n"
        "    police = request.user.role in POLICE_ROLES\n"
    )
    assert role_refusals_written(source) == []


# A view decides nothing on a role of its own: not a refusal (above), not a branch (which
# scope to list, whether a section shows), not a role test joined to a predicate. Display text
# that names the person's role ("your school" or "your schools") is an expression, not a branch.


def _is_predicate_call(node) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith(("can_", "is_"))
    )


def role_branches_written(source: str) -> list[int]:
    """Lines where a view branches on a role test, or joins one to an access predicate."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and _reads_role(node.test):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.BoolOp)
            and any(_reads_role(v) for v in node.values)
            and any(_is_predicate_call(n) for v in node.values for n in ast.walk(v))
        ):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_no_view_branches_on_a_role_of_its_own():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _source_files()
        if _is_view_module(path)
        for line in role_branches_written(path.read_text())
    ]
    assert found == [], "Name the rule in the app's access.py and ask it:\n" + "\n".join(found)


def test_a_view_branching_on_a_role_is_found():
    source = (
        "def page(request):\n"
        "    if request.user.role in SCHOOL_LEADS:\n"
        "        people = list(people)\n"
        "    elif user.role == Role.SSPO:\n"
        "        pass\n"
        "    police = user.role == Role.SSPO and can_acknowledge(user, concern)\n"
        '    label = "your school" if user.role == Role.HEAD else "your schools"\n'
    )
    assert role_branches_written(source) == [2, 4, 6]


# A predicate is a rule, not another name for one: `can_x(user, obj): return can_y(user, obj)`
# (or `return True`) lets two names drift apart. Ask the predicate it passes through. (A
# predicate that drops the record, `can_x(user, obj): return can_y(user)`, is the shape a gate's
# `require=` asks for; those that were only that are in REMOVED below.)

ACCESS_MODULES = sorted(ROOT.glob("*/access.py"))


def pass_throughs_written(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef) or not node.name.startswith("can_"):
            continue
        body = [
            s
            for s in node.body
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        ]
        if len(body) != 1 or not isinstance(body[0], ast.Return):
            continue
        value = body[0].value
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if (
            isinstance(value, ast.Constant)
            and value.value is True
            or (
                _is_predicate_call(value)
                and not value.keywords
                and [a.id if isinstance(a, ast.Name) else None for a in value.args] == params
            )
        ):
            found.append(node.name)
    return found


def test_no_predicate_only_passes_another_through():
    assert ACCESS_MODULES
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in ACCESS_MODULES
        for name in pass_throughs_written(path.read_text())
    ]
    assert found == [], "Ask the predicate it passes through:\n" + "\n".join(found)


def test_a_pass_through_predicate_is_found():
    source = (
        "def can_remind(user, partnership):\n"
        '    """Docs."""\n'
        "    return can_read(user, partnership)\n"
        "def can_act(user, intake):\n"
        "    return can_import(user)\n"
        "def can_anything(user):\n"
        "    return True\n"
        "def can_correct(user, pupil):\n"
        "    return can_manage(user, pupil.school)\n"  # a rule about the record's school
        "def can_log(user, school):\n"
        "    return user.role in SCHOOL_ROLES and can_hold(user, school)\n"
    )
    assert pass_throughs_written(source) == ["can_remind", "can_anything"]


REMOVED = (
    "can_correct_pupil",  # schools.access.get_pupil_to_correct asks can_manage_pupils
    "can_act_on_gias_intake",  # schools.access.get_gias_intake_for asks can_import_gias
    "can_remind_awareness",  # agreements.access.can_read_awareness
    "can_close_enquiry",  # incidents.access.can_reply
    "get_police_pupil_or_404",  # schools.access.get_pupil_for, for police too
    # Private copies of "lock the row, read the person's reach afresh, refuse if out of it":
    # ssp.access.lock_visible_or_404 is the one, and out of reach it answers 404, where the
    # last three answered 403.
    "_locked_incident",
    "_locked_enquiry",
    "_locked_concern",
    "_locked_partnership",
)
# Names removed from one module only: elsewhere the same name is something else.
REMOVED_FROM = {
    "encompass/services.py": ("_locked",),  # ssp.access.lock_visible_or_404
}


def test_the_removed_second_names_stay_removed():
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _source_files()
        for name in (*REMOVED, *REMOVED_FROM.get(path.relative_to(ROOT).as_posix(), ()))
        if re.search(rf"\b{name}\b", path.read_text())
    ]
    templates = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for name in REMOVED
        if re.search(rf"\b{name}\b", path.read_text())
    ]
    assert found + templates == []


# A write that re-checks under its lock asks ssp.access.lock_visible_or_404 whether the person
# still reaches the record (out of reach: 404, as if it did not exist); then its predicate
# (403). No other function locks a row and asks visible_to itself. The copies listed below
# predate the helper and still answer 403 where the record has left the person's reach: fold
# them in and take them off the list; never add to it.

LOCK_HELPER = "ssp/access.py"
NOT_YET_FOLDED = {
    "agreements/action_plan_services.py: action_plan_item_add",
    "agreements/appraisal.py: feedback_give",
    "agreements/appraisal.py: feedback_round_open",
    "agreements/appraisal.py: review_record",
    "agreements/awareness.py: awareness_confirm",
    "agreements/services.py: document_draft_update",
    "referrals/services.py: conference_action_done",
    "referrals/services.py: conference_add_action",
    "referrals/services.py: referral_move",
    "referrals/services.py: scheme_save",
}


def reach_checks_under_lock_written(source: str) -> list[str]:
    """Functions that lock a row (select_for_update) and ask visible_to themselves."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            used = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            if {"select_for_update", "visible_to"} <= used:
                found.append(node.name)
    return found


def test_a_write_asks_the_one_helper_whether_the_person_still_reaches_the_record():
    found = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in _source_files()
        if path.relative_to(ROOT).as_posix() != LOCK_HELPER
        for name in reach_checks_under_lock_written(path.read_text())
    }
    assert sorted(found - NOT_YET_FOLDED) == [], "Use ssp.access.lock_visible_or_404"
    assert sorted(NOT_YET_FOLDED - found) == [], "Folded: take it off NOT_YET_FOLDED"


def test_a_reach_check_of_its_own_under_a_lock_is_found():
    source = (
        "def _locked_thing(thing, by):\n"
        "    locked = Thing.objects.select_for_update().get(pk=thing.pk)\n"
        "    fresh_scope(by)\n"
        "    if not Thing.objects.visible_to(by).filter(pk=locked.pk).exists():\n"
        "        raise PermissionDenied\n"
        "def thing_move(*, thing, by):\n"
        "    thing = lock_visible_or_404(by, thing)\n"
        "def thing_list(user):\n"
        "    return Thing.objects.visible_to(user)\n"
    )
    assert reach_checks_under_lock_written(source) == ["_locked_thing"]


# One pupil, by its code or id, is read through schools.access.get_pupil_for, police included:
# nowhere else looks one up in police_pupils(...) or Pupil.objects.

PUPIL_GATE = "schools/access.py"


def _is_pupils(node) -> bool:
    """`police_pupils(...)` or `Pupil.objects`, however much is chained after it."""
    while node is not None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id == "police_pupils"
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return isinstance(node.value, ast.Name) and node.value.id == "Pupil"
        node = node.func if isinstance(node, ast.Call) else getattr(node, "value", None)
    return False


def pupil_lookups_written(source: str, keys=("code", "pk", "id")) -> list[int]:
    """Lines that look one pupil up by code or id: `<pupils>.get/filter(code=...)`, or
    `get_object_or_404(<pupils>, code=...)`. Services lock and re-check by the id of a pupil
    a gate gave them: outside views only the code (what a URL or a form carries) counts."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if not any(k.arg in keys for k in node.keywords):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "filter"):
            looked_in = node.func.value
        elif isinstance(node.func, ast.Name) and node.func.id.startswith("get_") and node.args:
            looked_in = node.args[0]
        else:
            continue
        if _is_pupils(looked_in):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_a_pupil_is_looked_up_only_through_its_gate():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _source_files()
        if path.relative_to(ROOT).as_posix() != PUPIL_GATE
        for line in pupil_lookups_written(
            path.read_text(), **({} if _is_view_module(path) else {"keys": ("code",)})
        )
    ]
    assert found == [], "Read one pupil with schools.access.get_pupil_for:\n" + "\n".join(found)


def test_a_pupil_lookup_outside_the_gate_is_found():
    source = (
        'pupil = police_pupils(user).select_related("school").filter(code=code).first()\n'
        "pupil = get_object_or_404(police_pupils(user), code=code)\n"
        "pupil = Pupil.objects.get(pk=pk)\n"
        "pupils = police_pupils(user).filter(school=school)\n"
        "pupils = Pupil.objects.visible_to(user).filter(school__in=schools)\n"
        "pupil = get_pupil_for(user, code)\n"
    )
    assert pupil_lookups_written(source) == [1, 2, 3]
