"""With Redis stopped or frozen, people still sign in and every page answers, degraded but
safe: throttling and TOTP single use move to the database, cached figures are recomputed.
"""

import time

from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, totp_now
from tests.ssp.test_sign_in import password_step, sign_in


def test_with_redis_gone_sign_in_with_password_and_totp_works(client, staff_a, redis_gone):
    # The code first: near the end of its 30 seconds the helper waits for the next one,
    # which is the test's time, not the portal's.
    code = totp_now(staff_a.totp_secret)
    started = time.monotonic()
    response = sign_in(client, staff_a, code=code)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(staff_a.pk)
    assert client.get("/").status_code == 200
    # A frozen Redis costs one short socket timeout, not seconds on every call.
    assert time.monotonic() - started < 2


def test_with_redis_gone_five_wrong_passwords_still_lock_the_account(client, staff_a, redis_gone):
    for _ in range(5):
        response = password_step(client, staff_a, password="not the password at all")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = password_step(client, staff_a, password=PASSWORD)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_with_redis_gone_a_totp_code_cannot_be_used_twice(client, staff_a, redis_gone):
    code = totp_now(staff_a.totp_secret)
    assert sign_in(client, staff_a, code=code).status_code == 302
    client.post("/accounts/logout/")
    response = sign_in(client, staff_a, code=code)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_with_redis_gone_the_sergeants_overview_answers(client, sergeant, sspo_a, redis_gone):
    client.force_login(sergeant)
    response = client.get(reverse("overview"))
    assert response.status_code == 200
    assert "Ashdown Academy" in response.content.decode()


def test_a_frozen_redis_costs_one_short_timeout_then_nothing(own_redis, db):
    assert cache.set("seen", 1) is None and cache.get("seen") == 1
    own_redis.freeze()
    started = time.monotonic()
    assert cache.get("seen") is None  # not in the fallback: recomputed by whoever asked
    first = time.monotonic() - started
    started = time.monotonic()
    assert cache.add("used-code", "y", timeout=60) is True
    assert cache.add("used-code", "y", timeout=60) is False  # single use holds in the fallback
    then = time.monotonic() - started
    assert first < 0.5
    assert then < 0.1


def test_when_redis_returns_the_cache_goes_back_to_it(own_redis, db, monkeypatch):
    from ssp import cache as ssp_cache

    monkeypatch.setattr(ssp_cache, "RETRY_REDIS_AFTER_SECONDS", 0.2)
    own_redis.freeze()
    cache.set("during", 1)
    own_redis.thaw()
    time.sleep(0.3)
    cache.set("after", 2)
    keys = own_redis.client().keys("*")
    assert any(key.endswith(b"after") for key in keys)
    assert not any(key.endswith(b"during") for key in keys)
