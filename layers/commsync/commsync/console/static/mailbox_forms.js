// The integration page's forms: a mailbox's settings, an on-demand sync, the integration's settings.
import { mailboxPath, post, put } from "./api.js";
import { h } from "./dom.js";
import { busy, checkbox, checkFields, input, lines, showApiError, summary, textarea, value } from "./forms.js";
import { notify } from "./shell.js";

const ADDRESS = "[^\\/\\\\#\\s]{1,320}";

function panelForm(title, fields, submitLabel, close) {
  return h(
    "form",
    { class: "panel", novalidate: true, "aria-label": title },
    h("h2", { text: title }),
    summary(),
    fields,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary", text: submitLabel }),
      h("button", { type: "button", text: "Cancel", onclick: close }),
    ),
  );
}

const joined = (list) => (list || []).join("\n");

function allowDeny(name, label, current, hint) {
  return h(
    "fieldset",
    {},
    h("legend", { text: label }),
    h(
      "div",
      { class: "pair" },
      textarea({ name: `${name}_allow`, label: "Allow", value: joined(current?.allow), field: `body.${name}.allow`, hint }),
      textarea({ name: `${name}_deny`, label: "Deny (wins over allow)", value: joined(current?.deny), field: `body.${name}.deny` }),
    ),
  );
}

// `mailbox` null: add one. The API's PUT replaces every setting, so the form always sends them all.
export function mailboxForm(page, mailbox, close) {
  const form = panelForm(
    mailbox ? `Settings of ${mailbox.address}` : "Add a mailbox",
    [
      mailbox
        ? null
        : input({ name: "address", label: "Address (or Salesforce object name)", required: true, pattern: ADDRESS, field: "body.address", placeholder: "ann@contoso.example", message: "An address without spaces, / \\ or #." }),
      input({
        name: "start_time",
        label: "Start time (UTC)",
        type: "datetime-local",
        value: mailbox?.start_time ? mailbox.start_time.slice(0, 16) : "",
        field: "body.start_time",
        hint: "Nothing sent before it is synced. Empty: everything.",
      }),
      checkbox({ name: "sync_attachments", label: "Store attachments (off: listed in the comment, bytes not stored)", checked: mailbox ? mailbox.sync_attachments : true, field: "body.sync_attachments" }),
      input({ name: "poll_interval_seconds", label: "Poll every (seconds)", type: "number", min: 1, max: 604800, value: mailbox ? mailbox.poll_interval_seconds : 300, field: "body.poll_interval_seconds" }),
      allowDeny("folders", "Folders", mailbox?.folders, "One per line; globs like Inbox/* work."),
      allowDeny("participants", "Participants (addresses)", mailbox?.participants, "One per line."),
      allowDeny("domains", "Sender and recipient domains", mailbox?.domains, "One per line, e.g. example.com."),
    ],
    mailbox ? "Save" : "Add",
    close,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkFields(form)) return;
    const address = mailbox ? mailbox.address : value(form, "address");
    const start = value(form, "start_time");
    const body = {
      address,
      start_time: start ? `${start}:00Z` : null,
      sync_attachments: value(form, "sync_attachments"),
      poll_interval_seconds: Number(value(form, "poll_interval_seconds")),
      folders: { allow: lines(value(form, "folders_allow")), deny: lines(value(form, "folders_deny")) },
      participants: { allow: lines(value(form, "participants_allow")), deny: lines(value(form, "participants_deny")) },
      domains: { allow: lines(value(form, "domains_allow")), deny: lines(value(form, "domains_deny")) },
    };
    await busy(form, async () => {
      try {
        if (mailbox) await put(mailboxPath(page.key, address), body);
        else await post(`${page.path}/mailboxes`, body);
        notify("success", mailbox ? `${address} is saved.` : `${address} is added; it syncs at the next poll.`);
        close();
        await page.refresh();
      } catch (error) {
        showApiError(form, error);
      }
    });
  });
  return form;
}

const FILTERS = [
  ["after", "Received on or after", "date"],
  ["before", "Received before", "date"],
  ["from", "From (address)", "text"],
  ["category", "Category", "text"],
];

// POST .../sync with an optional folder and filters (AND of the terms given).
export function syncForm(page, mailbox, close) {
  const form = panelForm(
    `Sync ${mailbox.address} now`,
    [
      input({ name: "folder", label: "Only this folder", field: "body.folder", placeholder: "Inbox/Orders", hint: "Empty: every folder." }),
      h(
        "fieldset",
        {},
        h("legend", { text: "Only emails that match all of" }),
        FILTERS.map(([name, label, type]) => input({ name: `filter_${name}`, label, type })),
        checkbox({ name: "filter_has", label: "Has an attachment" }),
      ),
      h("p", { class: "hint", text: "The sync is queued and starts at the next tick of the poller." }),
    ],
    "Sync now",
    close,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkFields(form)) return;
    const terms = [];
    const controls = [];
    for (const [name, , type] of FILTERS) {
      const text = value(form, `filter_${name}`);
      if (!text) continue;
      terms.push({ [name]: type === "date" ? text.replaceAll("-", "/") : text });
      controls.push(form.elements.namedItem(`filter_${name}`));
    }
    if (value(form, "filter_has")) {
      terms.push({ has: "attachment" });
      controls.push(form.elements.namedItem("filter_has"));
    }
    const body = {};
    if (value(form, "folder")) body.folder = value(form, "folder");
    if (terms.length) body.filters = terms.length === 1 ? terms[0] : { AND: terms };
    // body.filters.AND.<i>... or body.filters.<key>: the control that made that term.
    const resolve = (field) => {
      const many = field.match(/^body\.filters\.AND\.(\d+)/);
      if (many) return controls[Number(many[1])];
      return field.startsWith("body.filters") ? controls[0] : null;
    };
    await busy(form, async () => {
      try {
        await post(`${mailboxPath(page.key, mailbox.address)}/sync`, body);
        notify("success", `A sync of ${mailbox.address} is queued.`);
        close();
        await page.refresh();
      } catch (error) {
        showApiError(form, error, resolve);
      }
    });
  });
  return form;
}
