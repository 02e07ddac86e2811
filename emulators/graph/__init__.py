"""Microsoft Graph mail emulator (users, mailFolders, messages, delta, $batch) over HTTPS.

`commsync-emulator graph --port N --data DIR --identity URL [--identity-ca FILE] [--tls DIR]`
serves `https://127.0.0.1:N/v1.0` over the EWS emulator's data layout
(`DIR/<mailbox address>/<Folder>[/<Subfolder>...]/<name>.eml`, read by the same loader), so
the same mailbox can be synced through both. Bearer tokens must come from the identity emulator
for the resource `https://graph.microsoft.com`: app-only with the `Mail.Read` role (any mailbox),
or delegated with the `Mail.Read` scope (the user's own mailbox, also as `/me`).

Endpoints (under `/users/{address}` or `/me`): `mailFolders` (+ `/{id}`, `/{id}/childFolders`,
`/delta`), `mailFolders/{id}/messages` (`$select`, `$top`, `$skip`, `$filter`) and
`/messages/delta` (`@odata.nextLink` / `@odata.deltaLink`, `@removed`, `changeType`, the delta
`$filter` on receivedDateTime), `messages` (mailbox-wide, `$filter`), `messages/{id}`
(`$select`, including `internetMessageHeaders`, `conversationIndex`, `conversationId`;
`$expand` of the In-Reply-To and References extended properties; + `/$value` MIME,
`/attachments`, `/attachments/{id}`, `/attachments/{id}/$value`), and `POST /$batch`
(20 requests, `dependsOn`, per-mailbox concurrency 4). Well-known folder names (`inbox`,
`sentitems`, `msgfolderroot`, ...) work in place of ids. Headers: `Prefer: IdType="ImmutableId"`
and `Prefer: odata.maxpagesize=N`.

Errors are Graph's: 401 InvalidAuthenticationToken, 403 ErrorAccessDenied, 404 ErrorInvalidUser
(unknown mailbox) and ErrorItemNotFound, 410 syncStateNotFound (invalidated delta token),
429 ApplicationThrottled with Retry-After (`MailboxConcurrency`, or injected), 503.

The full surface (users, $orderby/$count/$search, $expand, well-known folders), the `--fault`
options and the msgraph-sdk / O365 recipes: README.md beside this file.

Python API for tests: `GraphEmulator` (`.store` to change mailboxes while running, `.faults`,
`.stats`, `.concurrency`, `.deny`).
"""

from emulators.graph.command import add_arguments, build
from emulators.graph.emulator import GraphEmulator
from emulators.graph.faults import Faults
from emulators.graph.store import GraphStore, MessageInfo

__all__ = ["Faults", "GraphEmulator", "GraphStore", "MessageInfo", "add_arguments", "build"]
