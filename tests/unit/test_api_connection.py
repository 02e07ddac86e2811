"""POST /connection-tests (issue 23): the settings tried once against the source, nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api import ApiWorld, api_world
from tests.support.mail import email_bytes, write_eml

ANN = "ann@northwind.example"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    built = api_world(tmp_path)
    yield built
    built.close()


def _body(endpoint: Path, **extra: object) -> dict[str, object]:
    return {
        "project": "acme",
        "name": "exports",
        "kind": "eml",
        "endpoint": str(endpoint),
        "bucket": "acme-mail",
        "mailbox": ANN,
        **extra,
    }


def test_good_settings_answer_ok_with_the_folder_count_and_store_nothing(
    tmp_path: Path, world: ApiWorld
) -> None:
    write_eml(tmp_path / "mail", ANN, "Inbox", "0.eml", email_bytes(0))
    write_eml(tmp_path / "mail", ANN, "Sent Items", "1.eml", email_bytes(1))

    answer = world.call("POST", "/connection-tests", _body(tmp_path / "mail"))

    assert answer.status == 200, answer.text
    assert answer.json["ok"] is True and answer.json["folders"] == 2
    assert world.call("GET", "/integrations").json == []


def test_a_wrong_setting_answers_its_error_in_words(tmp_path: Path, world: ApiWorld) -> None:
    (tmp_path / "mail").mkdir()

    answer = world.call("POST", "/connection-tests", _body(tmp_path / "mail"))

    assert answer.status == 200
    assert answer.json["ok"] is False and ANN in answer.json["message"]


def test_a_view_only_caller_may_not_test(tmp_path: Path, world: ApiWorld) -> None:
    assert world.call("POST", "/connection-tests", _body(tmp_path), as_="view").status == 403


def test_typed_secret_values_are_not_stored(tmp_path: Path, world: ApiWorld) -> None:
    (tmp_path / "mail").mkdir()

    world.call("POST", "/connection-tests", _body(tmp_path / "mail", secret_values={"password": "hunter2-x"}))

    secrets_file = tmp_path / "secrets.toml"
    assert not secrets_file.exists() or "hunter2-x" not in secrets_file.read_text()
