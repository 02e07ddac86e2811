"""Who a token belongs to: the Identity URL (`id` of the token response) and OpenID Connect
userinfo (Salesforce Help: "Identity URLs", "UserInfo Endpoint").

GET /id/<org id>/<user id>        the identity document; the token must be that user's
GET|POST /services/oauth2/userinfo   the same facts as OpenID Connect claims

Both take `Authorization: Bearer <access token>`; an unknown or expired token answers 403
`Bad_OAuth_Token` (the Identity URL) or 401 (userinfo) as Salesforce does. Neither counts
against the API allocation.
"""

from __future__ import annotations

from typing import Any

from emulators.salesforce.grants import Grant
from emulators.salesforce.responses import HttpResponse, json_response
from emulators.salesforce.state import SalesforceState
from emulators.salesforce.values import format_datetime


def _grant(state: SalesforceState, authorization: str | None) -> Grant | None:
    token = (authorization or "").removeprefix("Bearer ").strip()
    session = state.grants.session(token, state.now()) if token else None
    return session.grant if session else None


def _facts(state: SalesforceState, base_url: str, grant: Grant) -> dict[str, Any]:
    org, user = grant.org, grant.user
    user_id = org.user_id(user)
    local = user.username.split("@")[0]
    version = state.config.api_version
    data = f"{base_url}/services/data/v{{version}}/"
    return {
        "id": f"{base_url}/id/{org.id}/{user_id}",
        "user_id": user_id,
        "organization_id": org.id,
        "username": user.username,
        "nick_name": local,
        "display_name": local,
        "email": user.username,
        "active": True,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": 0,
        "last_modified_date": format_datetime(state.now()),
        "urls": {
            "rest": data,
            "sobjects": data + "sobjects/",
            "query": data + "query/",
            "profile": f"{base_url}/{user_id}",
            "custom_domain": base_url,
        },
        "is_app_installed": True,
        "version": version,
    }


def handle_identity(
    state: SalesforceState, base_url: str, path: str, authorization: str | None
) -> HttpResponse:
    state.stats.count("op:identity")
    grant = _grant(state, authorization)
    if grant is None:
        return json_response(403, "Bad_OAuth_Token")
    facts = _facts(state, base_url, grant)
    if path.rstrip("/") != f"/id/{grant.org.id}/{facts['user_id']}":
        # Another user's identity is not this token's to read.
        return json_response(403, "Bad_Id")
    del facts["version"]
    return json_response(200, facts)


def handle_userinfo(state: SalesforceState, base_url: str, authorization: str | None) -> HttpResponse:
    state.stats.count("op:userinfo")
    grant = _grant(state, authorization)
    if grant is None:
        return json_response(401, "Bad_OAuth_Token").with_header(
            "WWW-Authenticate", 'Bearer error="invalid_token"'
        )
    facts = _facts(state, base_url, grant)
    return json_response(
        200,
        {
            "sub": facts["id"],
            "user_id": facts["user_id"],
            "organization_id": facts["organization_id"],
            "preferred_username": facts["username"],
            "nickname": facts["nick_name"],
            "name": facts["display_name"],
            "email": facts["email"],
            "email_verified": True,
            "zoneinfo": "GMT",
            "locale": facts["locale"],
            "language": facts["language"],
            "active": True,
            "user_type": facts["user_type"],
            "utcOffset": 0,
            "updated_at": facts["last_modified_date"],
            "urls": facts["urls"],
            "is_app_installed": True,
        },
    )
