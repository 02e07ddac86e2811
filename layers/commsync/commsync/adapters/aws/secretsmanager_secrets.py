"""SecretStore on Secrets Manager: secret `<prefix><name>` holds a JSON object of keys."""

from __future__ import annotations

import json
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
