#!/usr/bin/env python3
"""Tokens exchanged both ways with a real djangorestframework-simplejwt.

Needs Debian's python3-djangorestframework-simplejwt (simplejwt 5.2.2, Django 3.2) and a
running worker that signs with the same key:

    apt-get install python3-djangorestframework-simplejwt
    npm run dev -- --port 8799 --var JWT_SIGNING_KEY:<key>
    python3 test/interop/simplejwt_check.py http://127.0.0.1:8799 <key>

Checks: tokens minted by the worker are accepted by simplejwt's AccessToken / RefreshToken
/ UntypedToken; tokens minted by simplejwt authenticate at the worker (profile), refresh
there, and verify there. Prints "N passed, M failed" and exits non-zero on any failure.
"""
import json
import sys
import time
import urllib.request
import urllib.error

base, key = sys.argv[1].rstrip("/"), sys.argv[2]

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="interop-check",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    DATABASES={},
    SIMPLE_JWT={"SIGNING_KEY": key, "ALGORITHM": "HS256", "USER_ID_FIELD": "id", "USER_ID_CLAIM": "user_id"},
)
django.setup()
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken  # noqa: E402
from rest_framework_simplejwt.exceptions import TokenError  # noqa: E402

passed = failed = 0


def check(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - report every failure the same way
        failed += 1
        print(f"FAIL {name}: {e!r}")


def call(path, body=None, token=None):
    req = urllib.request.Request(base + path, method="POST" if body is not None else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(req, data) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


email = f"interop.{int(time.time() * 1000)}@example.com"
status, body = call("/api/user/register/", {"email": email, "name": "Interop", "password": "violet-Harbor-91", "password2": "violet-Harbor-91", "tc": True})
assert status == 201, (status, body)
worker_access, worker_refresh = body["token"]["access"], body["token"]["refresh"]
user_id = AccessToken(worker_access)["user_id"]


def worker_tokens_verify_in_simplejwt():
    assert AccessToken(worker_access)["token_type"] == "access"
    assert RefreshToken(worker_refresh)["token_type"] == "refresh"
    UntypedToken(worker_access)
    UntypedToken(worker_refresh)


def simplejwt_rejects_worker_refresh_as_access():
    try:
        AccessToken(worker_refresh)
    except TokenError:
        return
    raise AssertionError("simplejwt accepted a refresh token as an access token")


def simplejwt_access_authenticates_at_worker():
    t = AccessToken()
    t["user_id"] = user_id
    status, me = call("/api/user/profile/", token=str(t))
    assert status == 200 and me["email"] == email, (status, me)


def simplejwt_refresh_refreshes_at_worker():
    r = RefreshToken()
    r["user_id"] = user_id
    status, body = call("/api/token/refresh/", {"refresh": str(r)})
    assert status == 200 and "access" in body, (status, body)
    assert AccessToken(body["access"])["user_id"] == user_id


def simplejwt_tokens_verify_at_worker():
    t = AccessToken()
    t["user_id"] = user_id
    status, body = call("/api/token/verify/", {"token": str(t)})
    assert status == 200 and body == {}, (status, body)


check("worker-minted access and refresh tokens verify in simplejwt", worker_tokens_verify_in_simplejwt)
check("simplejwt refuses the worker's refresh token as an access token", simplejwt_rejects_worker_refresh_as_access)
check("a simplejwt access token authenticates at the worker", simplejwt_access_authenticates_at_worker)
check("a simplejwt refresh token refreshes at the worker", simplejwt_refresh_refreshes_at_worker)
check("a simplejwt token verifies at the worker", simplejwt_tokens_verify_at_worker)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
