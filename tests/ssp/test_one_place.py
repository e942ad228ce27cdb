"""Guards: an access rule lives in Python, in one place, never on the user object or in a
template.

What a person may reach is remembered for one request by ssp.scope, never by attributes
written on the user (which outlive a request in a worker, and which a view can set to
anything). Templates are handed decisions (booleans, or the UPN or nothing) by views.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {"tests", "node_modules", "static", "templates", "migrations"}
# Names the code gives a person's user object.
USER_NAMES = {"user", "by", "actor", "person", "recipient", "signed_in"}
# simple-history's documented way of naming who made a change, read when the row is saved.
ALLOWED_PRIVATE = {"_history_user"}


def _project_sources():
    for package in sorted(ROOT.iterdir()):
        if package.name.startswith(".") or package.name in SKIPPED:
            continue
        if not (package / "__init__.py").exists():
            continue
        for path in sorted(package.rglob("*.py")):
            if not SKIPPED & set(path.relative_to(ROOT).parts):
                yield path


def _is_user(node) -> bool:
    """`user`, `by`, ... or anything's `.user` (request.user, membership.user)."""
    if isinstance(node, ast.Name):
        return node.id in USER_NAMES
    return isinstance(node, ast.Attribute) and node.attr == "user"


def _private_writes_on_users(tree):
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr.startswith("_")
                and target.attr not in ALLOWED_PRIVATE
                and _is_user(target.value)
            ):
                yield node.lineno, ast.unparse(target)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and node.args
            and _is_user(node.args[0])
        ):
            yield node.lineno, ast.unparse(node)


def test_the_guard_sees_the_writes_it_forbids():
    code = "user._cache = 1\nrequest.user._x = 2\nsetattr(by, 'y', 3)\nuser.first_name = 'A'\n"
    found = [text for _, text in _private_writes_on_users(ast.parse(code))]
    assert found == ["user._cache", "request.user._x", "setattr(by, 'y', 3)"]


def test_no_code_keeps_anything_on_a_user_object():
    sources = list(_project_sources())
    assert any(path.name == "scope.py" for path in sources)  # the scan reaches the code
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in sources
        for line, text in _private_writes_on_users(ast.parse(path.read_text(), str(path)))
    ]
    assert not found, "Keep per-request facts on ssp.scope.Scope, not the user:\n" + "\n".join(
        found
    )


# Templates ---------------------------------------------------------------------------------

TEMPLATES = ROOT / "templates"
IF_TAG = re.compile(r"{%-?\s*(?:el)?if\b(.*?)-?%}", re.S)
ROLE_TEST = re.compile(
    r"""\buser\.(role|is_superuser|is_staff|officer)\b"""  # the person's role or flags
    r"""|\brole\s*[!=]=\s*["']|["']\s*[!=]=\s*role\b"""  # a role compared with a name
    r"""|\bis_police\b[^%]*\bupn\b|\bupn\b[^%]*\bis_police\b""",
)
# The roll pages and the leads' pupil search, which only the school's leads reach (both gated
# by schools.access.get_school_for_pupils), show every pupil's UPN; anywhere else a view
# decides (schools.access.can_see_upn) and hands the template the UPN or nothing.
UPN_PAGES = {"schools/pupils/list.html", "schools/pupils/find.html"}
UPN_READ = re.compile(r"\.upn\b|\.former_upn\b")


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


def test_the_template_guards_see_what_they_forbid():
    assert ROLE_TEST.search(' user.role != "admin" ')
    assert ROLE_TEST.search(' role == "sergeant" ')
    assert ROLE_TEST.search(" not police and user.is_superuser ")
    assert not ROLE_TEST.search(" value == role ")  # a person's part in an incident
    assert UPN_READ.search("{{ pupil.upn }}")


def test_templates_make_no_role_decision():
    found = [
        f"{path.relative_to(TEMPLATES)}: {{% if{condition}%}}"
        for path in _templates()
        for condition in IF_TAG.findall(path.read_text())
        if ROLE_TEST.search(condition)
    ]
    assert _templates() and not found, "Decide in the view, hand the template a boolean:\n" + (
        "\n".join(found)
    )


def test_templates_show_a_upn_only_when_a_view_decided_it():
    found = [
        str(path.relative_to(TEMPLATES))
        for path in _templates()
        if UPN_READ.search(path.read_text()) and str(path.relative_to(TEMPLATES)) not in UPN_PAGES
    ]
    assert not found, "Hand the template `upn` from schools.access.can_see_upn: " + ", ".join(
        found
    )
