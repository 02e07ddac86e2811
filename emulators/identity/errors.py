"""Errors in the Microsoft identity platform's own JSON shape.

RFC 6749 5.2 gives `error` and `error_description`; Entra adds `error_codes`, `timestamp`,
`trace_id`, `correlation_id` and `error_uri`, and starts the description with the AADSTS code
and ends it with the trace lines ("reference-aadsts-error-codes": sample error response).
msal returns this body as its result dict. Descriptions never carry a secret.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass
class AadError(Exception):
    error: str
    code: int
    message: str
    status: int = 400

    def __str__(self) -> str:
        return f"{self.error}: AADSTS{self.code}: {self.message}"

    def body(self, base_url: str, correlation_id: str | None = None) -> dict[str, Any]:
        trace_id, correlation = str(uuid.uuid4()), correlation_id or str(uuid.uuid4())
        timestamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        description = (
            f"AADSTS{self.code}: {self.message}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation}\r\nTimestamp: {timestamp}"
        )
        return {
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation,
            "error_uri": f"{base_url}/error?code={self.code}",
        }


# The catalogue: one factory per condition, named for the condition, with Entra's code and status.


def missing_parameter(name: str) -> AadError:
    return AadError(
        "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
    )


def unknown_tenant(tenant: str, error: str = "invalid_tenant") -> AadError:
    """Discovery answers `invalid_tenant`; the token endpoint `invalid_request`."""
    return AadError(
        error,
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud.",
    )


def no_tenant(tenant: str) -> AadError:
    return AadError(
        "invalid_request",
        50059,
        f"No tenant-identifying information found in either the request or implied by any provided "
        f"credentials (authority '{tenant}').",
    )


def unknown_app(client_id: str, tenant_id: str) -> AadError:
    return AadError(
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. "
        "You may have sent your authentication request to the wrong tenant.",
    )


def wrong_secret(client_id: str) -> AadError:
    return AadError(
        "invalid_client",
        7000215,
        f"Invalid client secret provided. Ensure the secret being sent in the request is the client "
        f"secret value, not the client secret ID, for a secret added to app '{client_id}'.",
        401,
    )


def expired_secret(client_id: str) -> AadError:
    return AadError(
        "invalid_client",
        7000222,
        f"The provided client secret keys for app '{client_id}' are expired. Create new keys for "
        "your app, or consider using certificate credentials.",
        401,
    )


def credential_required(grant_type: str) -> AadError:
    if grant_type == "client_credentials":
        return AadError(
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the "
            "'client_credentials' grant type.",
            401,
        )
    return AadError(
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        401,
    )


def public_client_with_credential() -> AadError:
    return AadError(
        "invalid_client",
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        401,
    )


def bad_assertion(reason: str, code: int = 700027) -> AadError:
    return AadError("invalid_client", code, f"Client assertion failed validation. [Reason - {reason}]", 401)


def unsupported_grant(grant_type: str) -> AadError:
    return AadError(
        "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant_type}'."
    )


def invalid_scope(scope: str, why: str, code: int = 70011) -> AadError:
    return AadError(
        "invalid_scope",
        code,
        f"The provided value for the input parameter 'scope' is not valid. {why} ({scope})",
    )


def unknown_resource(resource: str, tenant_id: str) -> AadError:
    return AadError(
        "invalid_resource",
        500011,
        f"The resource principal named {resource} was not found in the tenant {tenant_id}.",
    )


def consent_required(client_id: str, scopes: str) -> AadError:
    return AadError(
        "invalid_grant",
        65001,
        f"The user or administrator has not consented to use the application with ID '{client_id}' "
        f"for the scopes '{scopes}'.",
    )


def bad_grant(code: int, message: str) -> AadError:
    return AadError("invalid_grant", code, message)


CODE_EXPIRED = 70008
CODE_REDEEMED = 54005
MALFORMED_GRANT = 9002313
GRANT_MISMATCH = 70000
REPLY_MISMATCH = 500112
PKCE_MISMATCH = 501481
REFRESH_EXPIRED = 700082
REFRESH_REVOKED = 50173
BAD_PASSWORD = 50126
UNKNOWN_USER = 50034
