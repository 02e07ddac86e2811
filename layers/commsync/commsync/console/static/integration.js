// One integration: its health, settings, figures and mailboxes, with the controls to fix it.
import { del, get, getMetrics, integrationPath, mailboxPath, post } from "./api.js";
import { chart, sumHours } from "./chart.js";
import { duration, facts, h, number, replace, timeAgo, timeUntil } from "./dom.js";
import { explainDisabled, integrationHealth, kindName, mailboxHealth } from "./health.js";
import { editIntegrationForm } from "./integration_form.js";
import { mailboxForm, syncForm } from "./mailbox_forms.js";
import { notificationsSection } from "./notifications.js";
import { problemBox } from "./overview.js";
import { go, live, notify, session } from "./shell.js";

const CONNECT = { graph: "Connect", salesforce: "Authenticate" };

export async function integrationPage(main, key) {
  const path = integrationPath(key);
  const body = h("div", { "data-page": "integration", "data-integration": key });
  const panel = h("div", { "data-panel": "" });
  const notifications = h("section", { class: "card", "data-notifications": key });
  replace(main, h("h1", { text: key }), body, panel, notifications);
  const load = async () => {
    const [integration, mailboxes, cached] = await Promise.all([get(path), get(`${path}/mailboxes`), getMetrics()]);
    const metrics = cached.integrations.some((m) => m.key === key) ? cached : await getMetrics(true);
    return { integration, mailboxes, figures: metrics.integrations.find((m) => m.key === key), metrics };
  };
  const page = { key, path, panel, refresh: null, notifications: null };
  const view = live(body, load, (data) => {
    draw(body, page, data);
    // Only for an integration that exists: a wrong URL shows one error, and no form (issue 23).
    page.notifications ||= notificationsSection(notifications, key);
  });
  page.refresh = view.refresh;
  await view.ready;
  return page.notifications;
}

// Runs an API call from a button, reports the outcome, and redraws at once.
async function act(page, button, work, done) {
  button.disabled = true;
  try {
    await work();
    if (done) notify("success", done);
    await page.refresh();
  } catch (error) {
    notify("error", error.message);
  } finally {
    button.disabled = false;
  }
}

function button(page, label, key, work, done, css) {
  const element = h("button", { type: "button", class: css, "data-key": key, text: label });
  element.addEventListener("click", () => act(page, element, work, done));
  return element;
}

function openPanel(page, form) {
  replace(page.panel, form);
  form.querySelector("input, select, textarea, button")?.focus();
}

const closePanel = (page) => () => page.panel.replaceChildren();

function draw(body, page, { integration, mailboxes, figures, metrics }) {
  const statuses = mailboxes.map((m) => ({ address: m.address, ...m.status }));
  const health = integrationHealth(integration, statuses);
  const usage = metrics.projects.find((p) => p.project === integration.project);
  replace(
    body,
    h(
      "p",
      { class: "head" },
      h("span", { class: "muted", text: `${kindName(integration.kind)} · bucket ` }, h("a", { href: `#/comments/${integration.bucket}`, text: integration.bucket })),
      h("span", { class: `badge ${health.tone}`, "data-health": health.label, text: health.label }),
    ),
    integration.disabled ? problemBox(explainDisabled(integration.disabled, "integration"), health.tone) : null,
    integration.managed_by ? managedNote(integration) : null,
    session.canModify ? toolbar(page, integration) : null,
    // Health first (issue 23): the mailboxes, their next sync and last polls, then the settings.
    h("h2", { text: integration.kind === "salesforce" ? "Objects" : "Mailboxes" }),
    mailboxes.length ? mailboxTable(page, integration, mailboxes, figures) : h("p", { class: "muted", text: "None yet." }),
    h("h2", { text: "Settings and figures" }),
    facts([
      ["Server", integration.endpoint],
      ["Secret", secretText(integration.secret)],
      ["Options", Object.entries(integration.options).map(([k, v]) => `${k}: ${v}`).join(", ") || "defaults"],
      ["Last successful sync", timeAgo(figures?.last_success_at)],
      ["Lag", figures && figures.lag_seconds !== null ? duration(figures.lag_seconds) : "–"],
      ["Comments synced", number(mailboxes.reduce((n, m) => n + m.status.counts.created, 0))],
      ["Errors, last 24 h", figures ? number(figures.errors) : "–"],
      ["AI units this month", usage ? (usage.quota ? `${number(usage.ai_units)} of ${number(usage.quota)}` : `${number(usage.ai_units)} (no quota)`) : "–"],
    ]),
    figures ? h("section", { class: "card" }, chart(sumHours([figures.hours]), "Comments synced and errors, last 24 hours")) : null,
  );
}

// Defined in the config file of `commsync serve`: the file wins at every start, so the console
// does not offer edits it would lose (issue 23, item 5).
function managedNote(integration) {
  return h(
    "p",
    { class: "notice", "data-managed": integration.managed_by },
    `Managed by the config file ${integration.managed_by}: change its settings and mailboxes there, then restart commsync serve. Start, stop and sync work here.`,
  );
}

function secretText(secret) {
  if (!secret) return "none";
  if (!secret.set) return `${secret.name} (not set yet)`;
  // Key names only: the API never returns a value, and neither does the console.
  return `${secret.name}: ${(secret.keys || []).map((k) => `${k} set`).join(", ") || "set"}`;
}

function toolbar(page, integration) {
  const reason = integration.disabled?.reason;
  const items = [];
  if (!integration.disabled) items.push(button(page, "Stop", "stop", () => post(`${page.path}/stop`), `${page.key} is stopped.`));
  else if (reason === "user") items.push(button(page, "Start", "start", () => post(`${page.path}/start`), `${page.key} is started.`, "primary"));
  else items.push(button(page, "Re-enable", "enable", () => post(`${page.path}/enable`), `${page.key} is re-enabled; it syncs at its next poll.`, "primary"));
  if (CONNECT[integration.kind]) items.push(connectButton(integration));
  // Settings of a file-managed integration change in the file (managedNote says which).
  if (integration.managed_by) return h("div", { class: "actions", role: "group", "aria-label": "Integration actions" }, items);
  items.push(
    h("button", { type: "button", "data-key": "add-mailbox", text: integration.kind === "salesforce" ? "Add an object" : "Add a mailbox", onclick: () => openPanel(page, mailboxForm(page, null, closePanel(page))) }),
    h("button", { type: "button", "data-key": "edit", text: "Edit settings", onclick: () => openPanel(page, editIntegrationForm(page, integration, closePanel(page))) }),
    h("button", {
      type: "button",
      class: "danger",
      "data-key": "delete",
      text: "Delete",
      onclick: async () => {
        if (!confirm(`Delete ${page.key} and its mailboxes? Its comments stay in bucket ${integration.bucket}.`)) return;
        try {
          await del(page.path);
          notify("success", `${page.key} is deleted.`);
          go("#/");
        } catch (error) {
          notify("error", error.message);
        }
      },
    }),
  );
  return h("div", { class: "actions", role: "group", "aria-label": "Integration actions" }, items);
}

// Graph and Salesforce: the provider's sign-in, then back to this console with a notice.
export function connectButton(integration) {
  const label = CONNECT[integration.kind];
  const element = h("button", { type: "button", class: "primary", "data-key": "connect", text: label });
  element.addEventListener("click", async () => {
    element.disabled = true;
    try {
      const answer = await get(`${integrationPath(integration.key)}/oauth2/authenticate?response=json`);
      location.assign(answer.authorize_url);
    } catch (error) {
      notify("error", `${label} failed: ${error.message}`);
      element.disabled = false;
    }
  });
  return element;
}

function mailboxTable(page, integration, mailboxes, figures) {
  const head = ["Mailbox", "Status", "Last successful sync", "Next sync", "Lag", "Comments", "Recent polls", session.canModify && "Actions"];
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: "stack" },
      h("thead", {}, h("tr", {}, head.filter(Boolean).map((x) => h("th", { scope: "col", text: x })))),
      h("tbody", {}, mailboxes.map((m) => mailboxRow(page, integration, m, figures?.folders?.[m.address] || {}))),
    ),
  );
}

function mailboxRow(page, integration, mailbox, folders) {
  const status = mailbox.status;
  const health = mailboxHealth(status, integration.enabled);
  const counts = status.counts;
  const cell = (label, ...content) => h("td", { "data-label": label }, content);
  return h(
    "tr",
    { "data-mailbox": mailbox.address },
    h("th", { scope: "row", "data-label": "Mailbox", text: mailbox.address }),
    cell(
      "Status",
      h("span", { class: `badge ${health.tone}`, "data-health": health.label, text: health.label }),
      health.note ? h("p", { class: "small muted", text: health.note }) : null,
      status.disabled ? problemBox(explainDisabled(status.disabled, "mailbox"), health.tone) : null,
      !status.disabled && status.last_error ? h("p", { class: "small", "data-last-error": "", text: `Last error: ${status.last_error}` }) : null,
    ),
    cell("Last successful sync", timeAgo(status.last_success_at)),
    cell("Next sync", status.disabled || !integration.enabled ? h("span", { class: "muted", text: "stopped" }) : timeUntil(status.next_poll_at)),
    cell("Lag", status.lag_seconds === null ? "–" : duration(status.lag_seconds)),
    cell(
      "Comments",
      h("span", { "data-created": counts.created, text: `${number(counts.created)} new` }),
      `, ${number(counts.updated)} updated, ${number(counts.filtered)} filtered`,
      counts.warnings ? `, ${number(counts.warnings)} with warnings` : "",
      h("div", {}, folderProgress(folders)),
    ),
    cell("Recent polls", pollHistory(mailbox.address, status.recent_polls || [])),
    session.canModify ? cell("Actions", mailboxActions(page, integration, mailbox)) : null,
  );
}

// The last polls (newest first, at most ten: models/mailbox.py RECENT_POLLS), folded to one line.
function pollHistory(address, polls) {
  if (!polls.length) return h("span", { class: "muted", text: "none yet" });
  const failed = polls.filter((p) => p.status === "failed").length;
  const label = `${polls.length} poll${polls.length === 1 ? "" : "s"}${failed ? `, ${failed} failed` : ", all fine"}`;
  const row = (p) =>
    h(
      "tr",
      { "data-poll": p.status },
      h("td", {}, timeAgo(p.at)),
      h("td", {}, h("span", { class: `badge ${p.status === "failed" ? "bad" : p.status === "done" ? "ok" : "idle"}`, text: p.status })),
      h("td", { text: `${number(p.created)} new, ${number(p.updated)} updated` }),
      h("td", { text: duration(p.duration_seconds) }),
      h("td", { class: "small", text: p.error || "" }),
    );
  return h(
    "details",
    { "data-polls": address },
    h("summary", { "data-key": `polls-${address}`, text: label }),
    h(
      "table",
      { class: "polls" },
      h("thead", {}, h("tr", {}, ["When", "Result", "Comments", "Took", "Error"].map((x) => h("th", { scope: "col", text: x })))),
      h("tbody", {}, polls.map(row)),
    ),
  );
}

function folderProgress(folders) {
  const entries = Object.entries(folders).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return h("span", { class: "muted small", text: "no changes in 24 h" });
  return h("span", { class: "progress" }, entries.map(([folder, n]) => h("span", { text: `${folder}: ${number(n)}` })));
}

function mailboxActions(page, integration, mailbox) {
  const path = mailboxPath(page.key, mailbox.address);
  const status = mailbox.status;
  const key = (what) => `${what}-${mailbox.address}`;
  const items = [];
  if (!status.disabled && integration.enabled) {
    items.push(h("button", { type: "button", "data-key": key("sync"), text: "Sync now…", onclick: () => openPanel(page, syncForm(page, mailbox, closePanel(page))) }));
  }
  if (!integration.managed_by) items.push(h("button", { type: "button", "data-key": key("edit"), text: "Edit…", onclick: () => openPanel(page, mailboxForm(page, mailbox, closePanel(page))) }));
  if (!status.disabled) items.push(button(page, "Stop", key("stop"), () => post(`${path}/stop`), `${mailbox.address} is stopped.`));
  else if (status.disabled.reason === "user") items.push(button(page, "Start", key("start"), () => post(`${path}/start`), `${mailbox.address} is started.`));
  else items.push(button(page, "Re-enable", key("enable"), () => post(`${path}/enable`), `${mailbox.address} is re-enabled; it syncs at its next poll, or now with Sync now.`, "primary"));
  if (integration.managed_by) return h("div", { class: "actions", role: "group", "aria-label": `Actions for ${mailbox.address}` }, items);
  items.push(
    h("button", {
      type: "button",
      class: "danger",
      "data-key": key("delete"),
      text: "Remove",
      onclick: async () => {
        if (!confirm(`Remove ${mailbox.address}? Its comments stay.`)) return;
        try {
          await del(path);
          notify("success", `${mailbox.address} is removed.`);
          await page.refresh();
        } catch (error) {
          notify("error", error.message);
        }
      },
    }),
  );
  return h("div", { class: "actions", role: "group", "aria-label": `Actions for ${mailbox.address}` }, items);
}
