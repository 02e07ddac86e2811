"""Validation errors name the field; filters and schedules mean what the design says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from commsync.models import AddressFilter, FolderFilter, Integration, Mailbox, MailboxState, SourceKind


def _error_fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.value.errors()}


def test_an_integration_with_a_bad_name_and_bucket_names_both_fields() -> None:
    with pytest.raises(ValidationError) as exc:
        Integration(project="Acme Corp", name="ok", kind=SourceKind.EML, endpoint="/x", bucket="a/b")
    assert _error_fields(exc) == {"project", "bucket"}


def test_a_server_integration_needs_https_and_says_so() -> None:
    with pytest.raises(ValidationError, match="endpoint: ews integrations need an https:// URL"):
        Integration(
            project="a", name="b", kind=SourceKind.EWS, endpoint="http://mail.example/EWS", bucket="c"
        )
    insecure_remote: dict[str, str | int | bool] = {"allow_insecure_loopback": True}
    with pytest.raises(ValidationError):
        Integration(
            project="a",
            name="b",
            kind=SourceKind.EWS,
            endpoint="http://mail.example/",
            bucket="c",
            options=insecure_remote,
        )
    assert Integration(
        project="a",
        name="b",
        kind=SourceKind.EWS,
        endpoint="http://127.0.0.1:8080/EWS",
        bucket="c",
        options=insecure_remote,
    ).enabled


def test_a_mailbox_rejects_unknown_fields_and_naive_times_by_name() -> None:
    with pytest.raises(ValidationError) as exc:
        Mailbox.model_validate(
            {
                "integration": "a/b",
                "address": "x@y.z",
                "start_time": "2024-01-01T00:00:00",
                "folder": ["Inbox"],
            }
        )
    assert _error_fields(exc) == {"start_time", "folder"}


def test_mailbox_addresses_are_stored_lower_case() -> None:
    assert Mailbox(integration="a/b", address=" Ann.Lee@Example.COM ").address == "ann.lee@example.com"


def test_folder_filter_deny_wins_and_globs_match_case_insensitively() -> None:
    folders = FolderFilter(allow=["Inbox*"], deny=["inbox/private"])
    assert folders.admits("Inbox") and folders.admits("Inbox/Projects")
    assert not folders.admits("INBOX/Private") and not folders.admits("Sent Items")
    assert FolderFilter().admits("anything")


def test_address_filter_needs_one_allowed_and_no_denied_participant() -> None:
    domains = AddressFilter(allow=["Contoso.example"], deny=["spam.example"])
    assert domains.admits({"contoso.example", "other.example"})
    assert not domains.admits({"other.example"})
    assert not domains.admits({"contoso.example", "spam.example"})


def test_a_disabled_mailbox_is_never_due() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert MailboxState().is_due(now)
    assert not MailboxState(next_poll_at=now + timedelta(seconds=1)).is_due(now)
    disabled = {"reason": "user", "at": now}
    assert not MailboxState.model_validate({"disabled": disabled}).is_due(now)


ANN_MAILBOX = {"integration": "acme/mail", "address": "ann@acme.example"}


@pytest.mark.parametrize("seconds", [True, False])
def test_a_poll_interval_is_never_a_boolean(seconds: bool) -> None:
    # GIVEN JSON's true, which lax pydantic would read as 1 second (issue 16: found by schemathesis)
    with pytest.raises(ValidationError, match="not true or false"):
        Mailbox.model_validate(
            {"integration": "acme/mail", "address": "ann@acme.example", "poll_interval_seconds": seconds}
        )


def test_a_poll_interval_written_as_a_whole_float_is_that_integer() -> None:
    # JSON Schema's integer includes 600.0, so the OpenAPI document's clients may send it
    mailbox = Mailbox.model_validate(
        {"integration": "acme/mail", "address": "ann@acme.example", "poll_interval_seconds": 600.0}
    )
    assert mailbox.poll_interval_seconds == 600
