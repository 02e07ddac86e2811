// An integration's notification subscriptions: who is told when it stops (README: Notifications).
// The API lets a `view` caller subscribe and unsubscribe (docs/architecture.md#failure-classes: view includes being
// notified), so these controls show for every caller, not only for `modify`.
import { del, get, integrationPath, post } from "./api.js";
import { h, replace, timeAgo } from "./dom.js";
import { busy, checkFields, input, select, showApiError, summary, value } from "./forms.js";
import { live, notify } from "./shell.js";

// The protocols SubscriptionIn accepts (models/subscription.py), with what each endpoint must be.
export const PROTOCOLS = [
  ["email", "E-mail", "An e-mail address: a readable message per disable."],
  ["email-json", "E-mail (JSON)", "An e-mail address: the notification as JSON."],
  ["https", "HTTPS endpoint", "An https:// URL that receives a POST per disable."],
  ["sqs", "SQS queue", "An SQS queue ARN (arn:aws:sqs:...)."],
];
const LABELS = Object.fromEntries(PROTOCOLS.map(([protocol, label]) => [protocol, label]));

// A URL's user:password part is a credential; the list shows the user name only.
const shown = (endpoint) => endpoint.replace(/^(https:\/\/[^/:@]*):[^/@]*@/, "$1:•••@");

// Fills `section` (already on the page: live() stops drawing into a detached element).
export function notificationsSection(section, key) {
  const path = `${integrationPath(key)}/subscriptions`;
  const list = h("div", { "data-subscriptions": key });
  replace(
    section,
    h("h2", { id: "notifications-title", text: "Notifications" }),
    h("p", { class: "muted small", text: "Who is told when this integration or one of its mailboxes stops, with the reason and what to fix. On AWS, e-mail and https subscribers confirm first." }),
    list,
  );
  section.setAttribute("aria-labelledby", "notifications-title");
  const view = live(list, () => get(path), (subscriptions) => drawList(list, path, subscriptions, view));
  section.append(subscribeForm(path, () => view.refresh()));
  return view.ready;
}

function drawList(list, path, subscriptions, view) {
  if (!subscriptions.length) {
    replace(list, h("p", { class: "muted", text: "Nobody is subscribed yet." }));
    return;
  }
  const head = ["Protocol", "Endpoint", "Created", "Actions"];
  replace(
    list,
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "stack" },
        h("caption", { class: "visually-hidden", text: "Subscriptions" }),
        h("thead", {}, h("tr", {}, head.map((x) => h("th", { scope: "col", text: x })))),
        h("tbody", {}, subscriptions.map((s) => row(path, s, view))),
      ),
    ),
  );
}

function row(path, subscription, view) {
  const endpoint = shown(subscription.endpoint);
  const remove = h("button", { type: "button", class: "danger", "data-key": `unsubscribe-${subscription.id}`, text: "Unsubscribe", "aria-label": `Unsubscribe ${endpoint}` });
  remove.addEventListener("click", async () => {
    if (!confirm(`Unsubscribe ${endpoint}? It is no longer told when this integration stops.`)) return;
    remove.disabled = true;
    try {
      await del(`${path}/${subscription.id}`);
      notify("success", `${endpoint} is unsubscribed.`);
      await view.refresh();
    } catch (error) {
      notify("error", error.message);
      remove.disabled = false;
    }
  });
  return h(
    "tr",
    { "data-subscription": subscription.id },
    h("td", { "data-label": "Protocol", text: LABELS[subscription.protocol] || subscription.protocol }),
    h("th", { scope: "row", "data-label": "Endpoint", text: endpoint }),
    h("td", { "data-label": "Created" }, timeAgo(subscription.created_at)),
    h("td", { "data-label": "Actions" }, remove),
  );
}

// One check only, the API's: it knows which endpoint each protocol needs, and its answer lands
// beside the field (forms.js showApiError), as in the create forms.
function subscribeForm(path, refresh) {
  const protocol = select({ name: "protocol", label: "Protocol", choices: PROTOCOLS.map(([p, label]) => [p, label]), value: "email", field: "body.protocol" });
  const endpoint = input({ name: "endpoint", label: "Endpoint", required: true, field: "body.endpoint", placeholder: "ops@contoso.example", hint: PROTOCOLS[0][2] });
  const form = h(
    "form",
    { class: "panel", novalidate: true, "aria-label": "Subscribe" },
    h("h3", { text: "Subscribe" }),
    summary(),
    h("div", { class: "pair" }, protocol, endpoint),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Subscribe" })),
  );
  form.elements.namedItem("protocol").addEventListener("change", () => {
    const chosen = PROTOCOLS.find(([p]) => p === value(form, "protocol"));
    endpoint.querySelector(".hint").textContent = chosen[2];
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkFields(form)) return;
    const body = { protocol: value(form, "protocol"), endpoint: value(form, "endpoint") };
    await busy(form, async () => {
      try {
        await post(path, body);
        notify("success", `${shown(body.endpoint)} is subscribed.`);
        form.elements.namedItem("endpoint").value = "";
        await refresh();
      } catch (error) {
        showApiError(form, error);
      }
    });
  });
  return form;
}
