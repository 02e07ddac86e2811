"""Fields of parent records (issue 11): `Object.Relationship.Field` options are checked against
describe of both objects, read in the same SOQL query, and mapped to dotted user properties."""

from __future__ import annotations

from email import message_from_bytes
from typing import Any

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.errors import IntegrationError
from commsync.ports import Change
from emulators.salesforce import SalesforceEmulator
from tests.integration.salesforce.support import T0, customer_email, integration, open_source, sync

pytestmark = pytest.mark.integration


def _by_id(changes: list[Change]) -> dict[str, Change]:
    return {c.item_key: c for c in changes if c.kind == "upsert"}


def test_parent_fields_become_dotted_user_properties_and_an_empty_reference_none(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a case of a customer account, owned by an agent, raised by a contact; a case with none;
    # and the customer's email on the first case
    account = emu.put("Account", {"Name": "Contoso Ltd", "Industry": "Retail"}, at=T0)
    agent = emu.put("User", {"Username": "dana@acme.example", "Name": "Dana Reyes", "IsActive": True}, at=T0)
    contact = emu.put("Contact", {"LastName": "Buyer", "Email": "buyer0@contoso.example"}, at=T0)
    linked = emu.put(
        "Case",
        {"Subject": "Charged twice", "AccountId": account, "OwnerId": agent, "ContactId": contact},
        at=T0,
    )
    bare = emu.put("Case", {"Subject": "Walk-in question"}, at=T0)
    email = emu.put("EmailMessage", customer_email(linked, 0, T0), at=T0)
    number = next(r["CaseNumber"] for r in emu.records("Case") if r["Id"] == linked)

    # WHEN both objects sync with parent fields named (case does not matter in the options)
    cases = sync(
        open_source(
            emu,
            secrets,
            "Case",
            property_fields="Case.Account.Name, case.account.industry, Case.Owner.Name",
            from_fields="Case.Contact.Email",
        ),
        None,
    )
    describes = emu.stats["op:describe"]
    emails = sync(
        open_source(emu, secrets, "EmailMessage", property_fields="EmailMessage.Parent.CaseNumber"), None
    )

    # THEN each parent field is a property under its dotted describe name, the sender comes from
    # the contact, and the case without parents has none of them
    with_parents, without = _by_id(cases.changes)[linked], _by_id(cases.changes)[bare]
    assert {k: v for k, v in with_parents.properties.items() if "." in k} == {
        "string:Account.Name": "Contoso Ltd",
        "string:Account.Industry": "Retail",
        "string:Owner.Name": "Dana Reyes",
    }
    assert with_parents.mime is not None
    assert message_from_bytes(with_parents.mime)["From"] == "buyer0@contoso.example"
    assert not [k for k in without.properties if "." in k]
    assert _by_id(emails.changes)[email].properties["string:Parent.CaseNumber"] == number
    # AND Case's poll described Case, Account (once for two fields) and Contact; Owner, which may
    # be a User or a Group, is read through the Name object without a describe
    assert describes == 3


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("property_fields", "Case.Acount.Name", "Case has no relationship 'Acount' in Case.Acount.Name"),
        ("property_fields", "Case.Account.Nmae", "points to Account, which has no field 'Nmae'"),
        ("property_fields", "Case.Owner.Industry", "only fields of the Name object"),
        ("from_fields", "Case.SuppliedEmail.Name", "Case has no relationship 'SuppliedEmail'"),
    ],
)
def test_a_wrong_relationship_field_is_an_integration_error_that_names_it(
    emu: SalesforceEmulator, secrets: FileSecrets, option: str, value: str, says: str
) -> None:
    options: dict[str, Any] = {option: value}
    with pytest.raises(IntegrationError) as caught:
        sync(open_source(emu, secrets, "Case", **options), None)

    assert says in str(caught.value) and f"options.{option}" in str(caught.value)
    assert emu.stats["op:query"] == 0  # found before anything is read


def test_a_path_of_two_relationships_is_refused_when_the_integration_is_saved(
    emu: SalesforceEmulator,
) -> None:
    with pytest.raises(ValueError, match=r"options.property_fields: .*at most one relationship level"):
        integration(emu, {"property_fields": "Case.Account.Owner.Name"})
