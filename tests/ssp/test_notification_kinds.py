"""Every notification names the record it is about, and urgency is decided by kind, in one
place (ssp.notifications.URGENT), never at the call."""

import ast
from pathlib import Path

import pytest

from ssp.models import Notification
from ssp.notifications import URGENT, Kind, notify

ROOT = Path(__file__).resolve().parents[2]
APPS = ["ssp", "schools", "agreements", "incidents", "referrals", "reports", "api", "records",
        "encompass"]  # fmt: skip


def notify_calls():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")) if (ROOT / app).is_dir() else []:
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) == "notify"
                ):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def test_the_portal_calls_notify_somewhere():
    assert len(list(notify_calls())) >= 20  # the scan below would pass vacuously otherwise


@pytest.mark.parametrize("where, call", list(notify_calls()), ids=lambda v: str(v))
def test_every_notification_carries_a_reference_and_no_urgency_of_its_own(where, call):
    keywords = {k.arg: k.value for k in call.keywords}
    assert "reference" in keywords, f"{where}: notify() without reference="
    assert "urgent" not in keywords, f"{where}: urgency is decided by kind (ssp.notifications)"
    if "kind" in keywords:
        assert "Kind." in ast.unparse(keywords["kind"]), f"{where}: kind is a Kind member"


def test_urgency_is_the_kinds(spoc_a):
    assert Kind.ROUTINE not in URGENT
    assert {Kind.IMMEDIATE_RISK, Kind.SHARING_STOPPED, Kind.PARTNERED_SCHOOL_CLOSED} <= URGENT
    for kind in Kind:
        (notification,) = notify(
            recipients=[spoc_a], subject="Something", link="/", reference="C-1", kind=kind
        )
        assert notification.urgent == (kind in URGENT)
    assert Notification.objects.filter(urgent=False).count() == len(set(Kind) - URGENT)
