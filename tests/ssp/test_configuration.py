import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    """Only the variables .env.example documents as required in production, and no others."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "EMAIL_", "MFA_", "STATICFILES_"))
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=base64.urlsafe_b64encode(os.urandom(48)).decode(),
        DJANGO_ALLOWED_HOSTS="ssp.example.org",
        MFA_ENCRYPTION_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_secure_and_host_prefixed():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    result = manage("shell", "--verbosity", "0", "-c", code, env=production_env())
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "31536000",
        "True",
    ], result.stderr


def test_production_refuses_to_start_without_an_encryption_key():
    result = manage("check", env=production_env(MFA_ENCRYPTION_KEY=""))
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEY is required" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env=production_env(DJANGO_SECRET_KEY=None))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_production_refuses_to_start_on_the_published_demo_key():
    demo = "django-insecure-demo-key-only-for-the-local-demo-never-for-real-use"
    result = manage("check", env=production_env(DJANGO_SECRET_KEY=demo))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


def test_production_refuses_to_start_with_the_totp_bypass_code():
    result = manage("check", env=production_env(MFA_TOTP_INSECURE_BYPASS_CODE="000000"))
    assert result.returncode != 0
    assert "MFA_TOTP_INSECURE_BYPASS_CODE is a demo-only bypass" in result.stderr


def test_the_demo_still_starts_with_its_key_and_bypass_code():
    env = production_env(
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY=None,
        MFA_ENCRYPTION_KEY=None,
        MFA_TOTP_INSECURE_BYPASS_CODE="000000",
        DATABASE_URL=None,
        REDIS_URL=None,
    )
    result = manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_refuses_to_start_on_a_database_elsewhere():
    env = production_env(
        DJANGO_DEBUG="true", DATABASE_URL="postgres://ssp:secret@db.police.example:5432/ssp"
    )
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_DEBUG is on with a database on another host" in result.stderr


def test_debug_starts_on_a_database_on_this_machine():
    env = production_env(DJANGO_DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1/ssp")
    result = manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_sends_mail_over_smtp_by_default():
    code = "from django.conf import settings as s;print(s.MAILERS['default']['BACKEND'])"
    result = manage("shell", "--verbosity", "0", "-c", code, env=production_env())
    assert result.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend", result.stderr


def test_the_totp_bypass_code_is_refused_outside_debug(settings):
    from allauth.mfa import app_settings

    settings.DEBUG = False
    settings.MFA_TOTP_INSECURE_BYPASS_CODE = "000000"
    with pytest.raises(ImproperlyConfigured):
        app_settings.TOTP_INSECURE_BYPASS_CODE  # noqa: B018


def test_pages_carry_the_security_headers(client, staff_a):
    client.force_login(staff_a)
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    for directive in (
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self' 'nonce-",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_the_sign_in_page_is_not_cached(client, db):
    assert "no-store" in client.get("/accounts/login/")["Cache-Control"]


def test_every_model_keeps_its_history():
    from django.apps import apps

    ours = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"ssp", "schools", "agreements", "incidents", "referrals"}
        and not m.__name__.startswith("Historical")
    ]
    assert ours
    # The access log is append-only: its rows never change, so there is no history to keep.
    # A submission row only points at the record a form made (which keeps its history) and
    # is swept after a day.
    missing = [
        m.__name__
        for m in ours
        if not hasattr(m, "history") and m.__name__ not in {"AccessLog", "Submission"}
    ]
    assert missing == []


def test_history_records_the_acting_user(client, head_a, school_a, spoc_a):
    from schools.models import Membership
    from tests.factories import MembershipFactory

    slt = MembershipFactory(school=school_a, is_slt=True)
    client.force_login(head_a)
    client.post(f"/schools/{school_a.code}/spoc/", {"spoc": str(slt.code)})
    record = Membership.history.filter(code=slt.code).first()
    assert record.designation == "spoc"
    assert record.history_user == head_a


@pytest.mark.django_db
def test_the_portals_statements_start_no_parallel_workers_and_compile_nothing():
    # ssp/settings.py: a page's few dozen rows are read faster than two workers start, or
    # than a statement estimated at thousands is compiled.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
