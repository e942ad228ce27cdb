"""An access rule changes in one place: these fail when a copy of one is written elsewhere.

- A set of two or more roles (`(Role.SPOC, Role.DEPUTY_SPOC)`, `(Role.STAFF, *SCHOOL_LEADS)`,
  `held_as(user, Role.SPOC, Role.HEAD)`) is named once in ssp/roles.py and used by name.
- A view does not refuse on a role test of its own (`if user.role ...: raise PermissionDenied`):
  it asks a named predicate of its app's access.py.
"""

import ast
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
