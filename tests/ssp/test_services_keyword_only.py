"""Every write is a keyword-only service (STYLE.md: `concern_share(*, concern, by, note)`).

Read from the source, so a new write that takes positional arguments fails here before it
is reviewed. A write is a public function of a service module that runs in a transaction,
honours a form's one-time token, or saves, creates or deletes rows.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("agreements", "incidents", "referrals", "reports", "schools", "ssp")
# The modules that hold writes besides services.py, named for their subject (STYLE.md: split
# a module past ~800 lines or when it holds two subjects).
OTHER_SERVICE_MODULES = (
    "agreements/appraisal.py",
    "agreements/awareness.py",
    "schools/allocation.py",
    "schools/pupils.py",
)
WRITES = (".save(", ".create(", ".delete(", "get_or_create(", "update_or_create(")


def service_modules() -> list[Path]:
    found = []
    for app in APPS:
        found += sorted((ROOT / app).glob("**/services.py"))
        found += sorted((ROOT / app).glob("**/*_services.py"))
    found += [ROOT / name for name in OTHER_SERVICE_MODULES]
    return [path for path in found if "migrations" not in path.parts]


def _is_write(node: ast.FunctionDef, source: str) -> bool:
    decorators = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
    if decorators & {"transaction.atomic", "once_per_form"}:
        return True
    body = ast.get_source_segment(source, node) or ""
    return "transaction.atomic" in body or any(call in body for call in WRITES)


def writes() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in service_modules():
        source = path.read_text()
        for node in ast.parse(source).body:
            public = isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
            if public and _is_write(node, source):
                found.append((f"{path.relative_to(ROOT)}:{node.name}", node))
    return found


def test_the_guard_finds_the_service_modules_and_their_writes():
    names = {name for name, _ in writes()}
    assert "agreements/services.py:agreement_sign" in names
    assert "incidents/services.py:concern_triage" in names
    assert "schools/allocation.py:need_measure_add" in names
    assert len(names) > 40


@pytest.mark.parametrize("name, node", writes(), ids=[name for name, _ in writes()])
def test_every_write_takes_keyword_arguments_only(name, node):
    positional = [a.arg for a in node.args.posonlyargs + node.args.args]
    assert positional == [], f"{name} takes {positional} by position: make them keyword-only"
    assert node.args.vararg is None, f"{name} takes *{node.args.vararg.arg}"


def test_the_guard_catches_a_positional_write():
    source = "@transaction.atomic\ndef thing_move(thing, *, by):\n    thing.save()\n"
    node = ast.parse(source).body[0]
    assert _is_write(node, source)
    assert [a.arg for a in node.args.args] == ["thing"]
