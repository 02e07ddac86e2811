"""SecretStore on Secrets Manager: secret `<prefix><name>` holds a JSON object of keys.

Reads go through Powertools Parameters (issue 17): a warm container reuses a secret for
`max_age` seconds instead of paying a GetSecretValue per poll, and drops it at once when the
server refused it (`forget`, called by the poller on an integration failure) or when this
container wrote it, so a rotated secret is picked up at the next poll.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError
from pydantic import SecretStr

from commsync.errors import IntegrationError, TransientError
from commsync.observability import redacting_filter

PUT_ATTEMPTS = 5
CURRENT, PENDING_STAGE = "AWSCURRENT", "COMMSYNC_PENDING"
RECOVERY_DAYS = 7


class _ScheduledForDeletion(Exception):
    pass


class SecretsManagerSecrets:
    def __init__(self, prefix: str, client: Any | None = None, max_age_seconds: int = 0) -> None:
        self._prefix = prefix
        self._client = client or boto3.client("secretsmanager")
        self._max_age = max_age_seconds
        self._provider = SecretsProvider(boto3_client=self._client)

    def get(self, name: str) -> dict[str, SecretStr]:
        secret_id = f"{self._prefix}{name}"
        try:
            raw = str(
                self._provider.get(
                    secret_id,
                    max_age=self._max_age,
                    force_fetch=self._max_age <= 0,
                    VersionStage=CURRENT,
                )
            )
        except GetParameterError as wrapped:
            # Powertools raises it while handling the SDK's error, which stays its context.
            cause = wrapped.__cause__ or wrapped.__context__
            if not isinstance(cause, ClientError):
                raise TransientError(f"Secrets Manager failed reading {secret_id}") from None
            code = _code(cause)
            # InvalidRequestException: scheduled for deletion with its integration.
            if code in (
                "ResourceNotFoundException",
                "AccessDeniedException",
                "DecryptionFailure",
                "InvalidRequestException",
            ):
                raise IntegrationError(f"secret {secret_id} cannot be read ({code})") from None
            raise TransientError(f"Secrets Manager failed reading {secret_id} ({code})") from None
        values = {k: SecretStr(v) for k, v in _keys(secret_id, raw).items()}
        for value in values.values():
            redacting_filter.remember(value.get_secret_value())
        return values

    def forget(self, name: str) -> None:
        # Powertools keeps one cache per provider: all of it, then (a few secrets read again).
        self._provider.clear_cache()  # type: ignore[no-untyped-call]

    def put(self, name: str, values: Mapping[str, str]) -> None:
        """Merge by compare-and-swap: a refresh token stored by a poller must not undo a client
        secret the API stored meanwhile, nor the other way round."""
        secret_id = f"{self._prefix}{name}"
        self.forget(name)
        for value in values.values():
            redacting_filter.remember(value)
        replace = False
        for _ in range(PUT_ATTEMPTS):
            try:
                if self._swap(secret_id, values, replace):
                    return
            except _ScheduledForDeletion:
                # Deleted with an integration of the same name, now created again: restored (the
                # name is taken until the deletion ends) and given only the new keys, so no
                # refresh token of the deleted integration comes back with it.
                self._client.restore_secret(SecretId=secret_id)
                replace = True
            except ClientError as exc:
                raise TransientError(f"Secrets Manager failed writing {secret_id} ({_code(exc)})") from None
        raise TransientError(f"secret {secret_id} kept changing while being written; try again")

    def delete(self, name: str) -> None:
        secret_id = f"{self._prefix}{name}"
        self.forget(name)
        try:
            # Recoverable for a week (`restore-secret`): a delete by mistake loses nothing at once.
            self._client.delete_secret(SecretId=secret_id, RecoveryWindowInDays=RECOVERY_DAYS)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise TransientError(f"Secrets Manager failed deleting {secret_id} ({_code(exc)})") from None

    def _swap(self, secret_id: str, values: Mapping[str, str], replace: bool) -> bool:
        """One attempt; False when another writer moved the secret on between read and write."""
        try:
            # The stage named although it is the default: moto's default version does not follow
            # UpdateSecretVersionStage, the label does (as on AWS).
            answer = self._client.get_secret_value(SecretId=secret_id, VersionStage=CURRENT)
        except ClientError as exc:
            if _code(exc) == "InvalidRequestException":
                raise _ScheduledForDeletion from None
            if _code(exc) != "ResourceNotFoundException":
                raise
            return self._create(secret_id, values)
        current = _keys(secret_id, answer["SecretString"])
        merged = dict(values) if replace else {**current, **values}
        if merged == current:
            return True
        # Written under a label of our own first, then made current only if the version we read
        # is still current: UpdateSecretVersionStage fails when RemoveFromVersionId no longer
        # holds AWSCURRENT, which makes it a compare-and-swap.
        written = self._client.put_secret_value(
            SecretId=secret_id, SecretString=json.dumps(merged), VersionStages=[PENDING_STAGE]
        )
        try:
            self._client.update_secret_version_stage(
                SecretId=secret_id,
                VersionStage=CURRENT,
                MoveToVersionId=written["VersionId"],
                RemoveFromVersionId=answer["VersionId"],
            )
        except ClientError as exc:
            if _code(exc) == "InvalidParameterException":
                return False
            raise
        return True

    def _create(self, secret_id: str, values: Mapping[str, str]) -> bool:
        try:
            self._client.create_secret(Name=secret_id, SecretString=json.dumps(dict(values)))
        except ClientError as exc:
            if _code(exc) == "ResourceExistsException":
                return False  # created meanwhile by another writer: merge into theirs
            raise
        return True


def _keys(secret_id: str, raw: str) -> dict[str, str]:
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise IntegrationError(f"secret {secret_id} is not a JSON object of keys")
    return {str(k): str(v) for k, v in data.items()}


def _code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])
