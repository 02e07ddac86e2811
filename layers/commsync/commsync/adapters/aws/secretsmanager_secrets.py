"""SecretStore on Secrets Manager: secret `<prefix><name>` holds a JSON object of keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError
from pydantic import SecretStr

from commsync.errors import IntegrationError, TransientError
from commsync.observability import redacting_filter


class SecretsManagerSecrets:
    def __init__(self, prefix: str, client: Any | None = None) -> None:
        self._prefix = prefix
        self._client = client or boto3.client("secretsmanager")

    def get(self, name: str) -> dict[str, SecretStr]:
        secret_id = f"{self._prefix}{name}"
        try:
            raw = self._client.get_secret_value(SecretId=secret_id)["SecretString"]
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in ("ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure"):
                raise IntegrationError(f"secret {secret_id} cannot be read ({code})") from None
            raise TransientError(f"Secrets Manager failed reading {secret_id} ({code})") from None
        try:
            data = json.loads(raw)
        except ValueError:
            raise IntegrationError(f"secret {secret_id} is not a JSON object of keys") from None
        if not isinstance(data, dict):
            raise IntegrationError(f"secret {secret_id} is not a JSON object of keys")
        values = {str(k): SecretStr(str(v)) for k, v in data.items()}
        for value in values.values():
            redacting_filter.remember(value.get_secret_value())
        return values

    def put(self, name: str, values: Mapping[str, str]) -> None:
        secret_id = f"{self._prefix}{name}"
        for value in values.values():
            redacting_filter.remember(value)
        try:
            current = self._read_all(secret_id)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise TransientError(f"Secrets Manager failed reading {secret_id} ({_code(exc)})") from None
            self._client.create_secret(Name=secret_id, SecretString=json.dumps(dict(values)))
            return
        # Read-merge-write: a refresh token stored by OAuth keeps the client secret beside it.
        # Two writers racing on one secret could lose a key; the API and a source rarely do.
        merged = {**current, **values}
        try:
            self._client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(merged))
        except ClientError as exc:
            raise TransientError(f"Secrets Manager failed writing {secret_id} ({_code(exc)})") from None

    def _read_all(self, secret_id: str) -> dict[str, str]:
        raw = self._client.get_secret_value(SecretId=secret_id)["SecretString"]
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise IntegrationError(f"secret {secret_id} is not a JSON object of keys")
        return {str(k): str(v) for k, v in data.items()}


def _code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])
