"""API tokens: issued once, stored only as their SHA-256 (in the state table on AWS, in the
config file locally), checked by functions/authorizer on AWS and by TokenTable locally."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from commsync.models.access import ApiToken, Permission, token_sha256

PREFIX = "cs_"  # recognisable in a leak scan, like ghp_ for GitHub tokens


def issue_token(name: str, permissions: Sequence[Permission], now: datetime) -> tuple[str, ApiToken]:
    """The plaintext token (shown once, never stored) and the record that is stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    return token, ApiToken(
        name=name, sha256=token_sha256(token), permissions=list(permissions), created_at=now
    )


def config_snippet(token: ApiToken) -> str:
    """What to paste into the local config file for `commsync serve`."""
    permissions = ", ".join(f'"{p.value}"' for p in token.permissions)
    return (
        f'[[api.tokens]]\nname = "{token.name}"\nsha256 = "{token.sha256}"\npermissions = [{permissions}]\n'
    )


class AuthorizerDenied(Exception):
    """API Gateway answers 401 when a Lambda authorizer fails with exactly this message."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def authorize_token_event(event: dict[str, Any], lookup: Callable[[str], ApiToken | None]) -> dict[str, Any]:
    """The TOKEN authorizer: `Bearer <token>` -> an Allow policy for the whole stage and the
    token's permissions in the context (the API function enforces them per route).

    The policy covers every method because API Gateway caches it per token (ReauthorizeEvery):
    a policy for one path would deny the next call to another path from the cache.
    """
    scheme, _, token = str(event.get("authorizationToken") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthorizerDenied
    found = lookup(token_sha256(token.strip()))
    if found is None:
        raise AuthorizerDenied
    api_arn, _, rest = str(event["methodArn"]).partition("/")
    stage = rest.split("/", 1)[0]
    return {
        "principalId": found.name,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{api_arn}/{stage}/*"}
            ],
        },
        "context": {"permissions": " ".join(sorted(p.value for p in found.grants())), "token": found.name},
    }
