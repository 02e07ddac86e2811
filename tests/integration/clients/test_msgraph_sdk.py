"""msgraph-sdk 1.65 with azure-identity against the identity and Graph emulators over HTTPS:
one test per documented mail call (the SDK's "Mail" snippets), through the SDK's own request
builders, models and errors.

The recipe (emulators/graph/README.md): `ClientSecretCredential(tenant, client, secret,
authority=<identity emulator URL>, disable_instance_discovery=True, connection_verify=<cert>)`;
`AzureIdentityAuthenticationProvider(credential, scopes=[".../.default"],
allowed_hosts=["127.0.0.1"])` (it sends no token to other hosts); an httpx client with
`verify=ssl.create_default_context(cafile=<cert>)` through
`GraphClientFactory.create_with_default_middleware`; a `GraphRequestAdapter` whose `base_url` is
the emulator's `/v1.0`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph.generated.models.file_attachment import FileAttachment
from msgraph.generated.models.item_attachment import ItemAttachment
from msgraph.generated.models.message import Message
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.mail_folders.item.messages.messages_request_builder import (
    MessagesRequestBuilder,
)
from msgraph.generated.users.item.mail_folders.mail_folders_request_builder import MailFoldersRequestBuilder
from msgraph.generated.users.item.messages.item.attachments.item.attachment_item_request_builder import (
    AttachmentItemRequestBuilder,
)
from msgraph.generated.users.item.messages.item.message_item_request_builder import MessageItemRequestBuilder
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from emulators.graph import ids
from tests.integration.clients.graph_world import ANN, CLIENT_ID, CLIENT_SECRET, TENANT, World, world

pytestmark = pytest.mark.integration
Messages = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters


@pytest.fixture
def env(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as found:
        yield found


def call(env: World, action: Callable[[GraphServiceClient], Awaitable[Any]]) -> Any:
    """Build the SDK client inside the event loop (httpx binds to it) and run one call."""
    credential = ClientSecretCredential(
        TENANT,
        CLIENT_ID,
        CLIENT_SECRET,
        authority=env.identity_url,
        disable_instance_discovery=True,
        connection_verify=str(env.tls.cert),
    )
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=["https://graph.microsoft.com/.default"], allowed_hosts=["127.0.0.1"]
    )

    async def run() -> Any:
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=env.tls.cert)) as http:
            adapter = GraphRequestAdapter(
                auth, client=GraphClientFactory.create_with_default_middleware(client=http)
            )
            adapter.base_url = env.base_url
            return await action(GraphServiceClient(request_adapter=adapter))

    return asyncio.run(run())


def _inbox(client: GraphServiceClient) -> Any:
    return client.users.by_user_id(ANN).mail_folders.by_mail_folder_id("inbox")


def test_mail_folders_list_and_filter_by_display_name(env: World) -> None:
    listed = call(env, lambda c: c.users.by_user_id(ANN).mail_folders.get())
    assert listed is not None and listed.value is not None
    assert {"Inbox", "Sent Items", "Archive"} <= {f.display_name for f in listed.value}
    query = MailFoldersRequestBuilder.MailFoldersRequestBuilderGetQueryParameters(
        filter="displayName eq 'Sent Items'"
    )
    sent = call(
        env, lambda c: c.users.by_user_id(ANN).mail_folders.get(RequestConfiguration(query_parameters=query))
    )
    assert sent is not None and [f.display_name for f in sent.value or []] == ["Sent Items"]


def test_child_folders_and_the_archive_well_known_name(env: World) -> None:
    children = call(env, lambda c: _inbox(c).child_folders.get())
    assert [f.display_name for f in children.value] == ["Projects"]
    archive = call(env, lambda c: c.users.by_user_id(ANN).mail_folders.by_mail_folder_id("archive").get())
    assert (archive.display_name, archive.total_item_count) == ("Archive", 1)


def test_folder_delta_lists_the_tree_and_ends_in_a_delta_link(env: World) -> None:
    page = call(env, lambda c: c.users.by_user_id(ANN).mail_folders.delta.get())
    assert {"Inbox", "Projects"} <= {f.display_name for f in page.value}
    assert page.odata_delta_link is not None and "/mailFolders/delta?" in page.odata_delta_link


def test_message_delta_pages_through_next_links_to_a_delta_link(env: World) -> None:
    async def round_trip(client: GraphServiceClient) -> Any:
        delta = _inbox(client).messages.delta
        config: RequestConfiguration[Any] = RequestConfiguration()
        config.headers.add("Prefer", "odata.maxpagesize=4")
        page = await delta.get(config)
        seen, pages = len(page.value), 1
        while page.odata_next_link:
            page = await delta.with_url(page.odata_next_link).get(config)
            seen, pages = seen + len(page.value), pages + 1
        again = await delta.with_url(page.odata_delta_link).get()
        return seen, page.odata_delta_link, pages + len(again.value)

    seen, link, pages = call(env, round_trip)
    assert (seen, pages) == (6, 2) and link is not None


def test_messages_select_order_and_count_as_graph_defines_them(env: World) -> None:
    query = Messages(
        select=["subject", "flag", "webLink", "receivedDateTime"],
        orderby=["receivedDateTime asc"],
        count=True,
        top=3,
    )
    page = call(env, lambda c: _inbox(c).messages.get(RequestConfiguration(query_parameters=query)))
    times = [m.received_date_time for m in page.value]
    assert page.odata_count == 6 and len(times) == 3 and times == sorted(times)
    assert page.value[0].flag.flag_status.value == "notFlagged" and page.value[0].web_link.startswith(
        "https://"
    )
    assert page.value[0].body is None  # not selected


def test_messages_search_and_filter(env: World) -> None:
    search = Messages(search='"shipment 2003"')
    found = call(env, lambda c: _inbox(c).messages.get(RequestConfiguration(query_parameters=search)))
    assert [m.subject for m in found.value] == ["Shipment 2003: delivery window"]
    with_files = Messages(filter="hasAttachments eq true", select=["subject", "hasAttachments"])
    files = call(env, lambda c: _inbox(c).messages.get(RequestConfiguration(query_parameters=with_files)))
    assert {m.subject for m in files.value} == {
        "Shipment 2001: delivery window",
        "Shipment 2002: delivery window",
    }


def test_message_get_expands_attachments_and_value_streams_mime(env: World) -> None:
    listed = call(
        env,
        lambda c: _inbox(c).messages.get(
            RequestConfiguration(
                query_parameters=Messages(filter="hasAttachments eq true", orderby=["hasAttachments"])
            )
        ),
    )
    target = next(m for m in listed.value if m.subject == "Shipment 2001: delivery window")
    query = MessageItemRequestBuilder.MessageItemRequestBuilderGetQueryParameters(expand=["attachments"])
    got = call(
        env,
        lambda c: (
            c.users.by_user_id(ANN)
            .messages.by_message_id(target.id)
            .get(RequestConfiguration(query_parameters=query))
        ),
    )
    assert [type(a) for a in got.attachments] == [FileAttachment] and got.attachments[0].content_bytes
    mime = call(env, lambda c: c.users.by_user_id(ANN).messages.by_message_id(target.id).content.get())
    assert mime is not None and b"Subject: Shipment 2001" in mime


def test_an_item_attachment_expands_its_item(env: World) -> None:
    listed = call(env, lambda c: _inbox(c).messages.get())
    target = next(m for m in listed.value if m.subject == "Shipment 2002: delivery window")
    attachments = call(
        env, lambda c: c.users.by_user_id(ANN).messages.by_message_id(target.id).attachments.get()
    )
    attached = next(a for a in attachments.value if isinstance(a, ItemAttachment))
    attachment_id = str(attached.id)
    query = AttachmentItemRequestBuilder.AttachmentItemRequestBuilderGetQueryParameters(
        expand=["microsoft.graph.itemAttachment/item"]
    )
    got = call(
        env,
        lambda c: (
            c.users.by_user_id(ANN)
            .messages.by_message_id(target.id)
            .attachments.by_attachment_id(attachment_id)
            .get(RequestConfiguration(query_parameters=query))
        ),
    )
    assert isinstance(got, ItemAttachment) and isinstance(got.item, Message)
    assert got.item.subject == "Original booking"


def test_users_list_and_get_by_object_id(env: World) -> None:
    users = call(env, lambda c: c.users.get())
    assert [u.mail for u in users.value] == [ANN]
    one = call(env, lambda c: c.users.by_user_id(ids.object_id(ANN)).get())
    assert (one.user_principal_name, one.id) == (ANN, ids.object_id(ANN))


def test_an_unknown_property_raises_odata_error_with_graphs_code(env: World) -> None:
    query = Messages(select=["subjekt"])
    with pytest.raises(ODataError) as raised:
        call(env, lambda c: _inbox(c).messages.get(RequestConfiguration(query_parameters=query)))
    assert raised.value.response_status_code == 400
    assert raised.value.error is not None and raised.value.error.code == "RequestBroker--ParseUri"
