"""`GET /users` and `GET /users/{id | userPrincipalName}` (user-list, user-get).

A user's `id` is its directory object id, a GUID derived from the address so it is the same on
every start; either that or the address names the user in any `/users/{...}` path. Listing users
needs a directory permission (User.ReadBasic.All, User.Read.All, Directory.Read.All), as on
Graph; reading one user also works with Mail.Read, as the emulator's mail clients use it.
"""

from __future__ import annotations

from typing import Any

from emulators.graph import ids, odata
from emulators.graph.errors import GraphError
from emulators.graph.exchange import Caller, Reply, Request
from emulators.graph.odata_filter import compile_for
from emulators.graph.resources import parse_select

DIRECTORY_PERMISSIONS = frozenset(
    {
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    }
)
USER_FIELDS = (
    *("id", "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone"),
    *("officeLocation", "preferredLanguage", "surname", "userPrincipalName"),
)
_FILTERABLE: dict[str, Any] = {
    "mail": lambda user: str(user["mail"]).casefold(),
    "userPrincipalName": lambda user: str(user["userPrincipalName"]).casefold(),
    "displayName": lambda user: str(user["displayName"]).casefold(),
    "id": lambda user: str(user["id"]),
}


def resource(address: str) -> dict[str, Any]:
    local = address.split("@")[0]
    name = " ".join(part.capitalize() for part in local.replace("_", ".").split("."))
    return {
        "id": ids.object_id(address),
        "businessPhones": [],
        "displayName": name,
        "givenName": None,
        "jobTitle": None,
        "mail": address,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "surname": None,
        "userPrincipalName": address,
    }


def _selected(user: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
    return user if select is None else {k: v for k, v in user.items() if k == "id" or k in select}


def _insufficient() -> GraphError:
    return GraphError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def list_users(request: Request, addresses: list[str]) -> Reply:
    if not request.caller.permissions & DIRECTORY_PERMISSIONS:
        raise _insufficient()
    odata.check_options(request, frozenset({"$select", "$top", "$filter", "$count"}))
    select = parse_select(request.query.get("$select"), set(USER_FIELDS), "user")
    users = [resource(address) for address in addresses]
    if request.query.get("$filter"):
        predicate = compile_for(request.query["$filter"], _FILTERABLE, "user")
        users = [u for u in users if predicate(u)]
    top = int(request.query["$top"]) if request.query.get("$top", "").isdigit() else 100
    body: dict[str, Any] = {"@odata.context": odata.context(request, "/users", select=select)}
    if odata.wants_count(request):
        body["@odata.count"] = len(users)
    body["value"] = [_selected(u, select) for u in users[: max(1, min(top, 999))]]
    return Reply.json(body)


def one_user(request: Request, caller: Caller, address: str) -> Reply:
    odata.check_options(request, frozenset({"$select"}))
    select = parse_select(request.query.get("$select"), set(USER_FIELDS), "user")
    context = odata.context(request, "/users", select=select) + "/$entity"
    return Reply.json({"@odata.context": context, **_selected(resource(address), select)})
