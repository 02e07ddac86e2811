// Poll schedules: one interval for many mailboxes at once, through POST /schedules (README: Routes).
// The API takes at most 100 mailboxes per request (api/schemas.py ScheduleUpdate), so a larger
// choice goes out as several requests, one after the other, and the page says so.
import { get, integrationPath, post } from "./api.js";
import { duration, h, number, replace } from "./dom.js";
import { busy, checkFields, input, radios, select, showApiError, summary } from "./forms.js";
import { kindName } from "./health.js";
import { session } from "./shell.js";

export const PER_REQUEST = 100;
const UNITS = [
  ["60", "minutes"],
  ["1", "seconds"],
  ["3600", "hours"],
];

async function load() {
  const integrations = await get("/integrations");
  const mailboxes = await Promise.all(integrations.map((i) => get(`${integrationPath(i.key)}/mailboxes`)));
  return integrations.map((integration, n) => ({ integration, mailboxes: mailboxes[n] }));
}

export async function schedulesPage(main) {
  if (!session.canModify) {
    replace(main, h("h1", { text: "Poll schedules" }), h("p", { class: "notice", text: "Your token may only view: changing schedules needs the modify permission." }));
    return;
  }
  const result = h("div", { "data-schedule-result": "", role: "status", "aria-live": "polite" });
  const holder = h("div", {});
  replace(
    main,
    h("h1", { text: "Poll schedules" }),
    h("p", { text: `Choose mailboxes and how often they are polled. A shorter interval takes effect at once. The API takes up to ${PER_REQUEST} mailboxes per request; the console sends a larger choice in several requests.` }),
    result,
    holder,
  );
  const draw = async () => replace(holder, scheduleForm(await load(), result, draw));
  await draw();
}

const boxes = (form) => [...form.querySelectorAll("input[data-mailbox]")];

function scheduleForm(groups, result, redraw) {
  const kinds = [...new Set(groups.filter((g) => g.mailboxes.length).map((g) => g.integration.kind))];
  const count = h("p", { id: "schedule-count", class: "muted", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "panel", novalidate: true, "aria-label": "Set a poll interval" },
    summary(),
    radios({
      name: "which",
      label: "Which mailboxes",
      value: "ticked",
      field: "body.kinds",
      choices: [["ticked", "The ones ticked below"], ...kinds.map((k) => [k, `Every ${kindName(k)} mailbox`]), ["ALL", "Every mailbox"]],
      onchange: (choice) => choose(form, choice),
    }),
    // Errors about single mailboxes (body.mailboxes.N...) have no field of their own: the summary lists them.
    h("fieldset", {}, h("legend", { text: "Mailboxes" }), groups.length ? groups.map(group) : h("p", { class: "muted", text: "No integration yet." })),
    count,
    h(
      "div",
      { class: "pair" },
      input({ name: "interval", label: "Poll every", type: "number", min: 1, required: true, value: 5, field: "body.poll_interval_seconds" }),
      select({ name: "unit", label: "Unit", choices: UNITS, value: "60" }),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Set the interval" })),
  );
  form.addEventListener("change", (event) => {
    const { mailbox, group: picked } = event.target.dataset;
    if (mailbox !== undefined || picked !== undefined) form.querySelector("input[name='which'][value='ticked']").checked = true;
    if (picked !== undefined) {
      for (const box of boxes(form)) if (box.dataset.integration === event.target.dataset.group) box.checked = event.target.checked;
    }
    counted(form, count);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!checkFields(form)) return;
    busy(form, () => send(form, result, redraw));
  });
  counted(form, count);
  return form;
}

function group({ integration, mailboxes }) {
  const key = integration.key;
  const all = h("input", { type: "checkbox", "data-group": key, id: `all-${key}`, "aria-label": `Every mailbox of ${key}` });
  return h(
    "fieldset",
    { class: "card", "data-schedule-integration": key },
    h("legend", {}, h("label", { for: `all-${key}` }, all, ` ${key}`), h("span", { class: "muted small", text: ` ${kindName(integration.kind)} · ${mailboxes.length} mailbox(es)` })),
    mailboxes.length
      ? h("ul", { class: "picks" }, mailboxes.map((m) => h("li", { class: "check" }, mailboxBox(integration, m))))
      : h("p", { class: "muted small", text: "No mailbox." }),
  );
}

function mailboxBox(integration, mailbox) {
  const id = `pick-${integration.key}-${mailbox.address}`;
  return h(
    "label",
    { for: id },
    h("input", { type: "checkbox", id, "data-mailbox": mailbox.address, "data-integration": integration.key, "data-kind": integration.kind }),
    ` ${mailbox.address} `,
    h("span", { class: "muted small", "data-interval": mailbox.poll_interval_seconds, text: `(every ${duration(mailbox.poll_interval_seconds)})` }),
  );
}

// "Every EWS mailbox" ticks exactly those and tells the API the kind too, so it skips any other.
function choose(form, choice) {
  if (choice === "ticked") return;
  for (const box of boxes(form)) box.checked = choice === "ALL" || box.dataset.kind === choice;
  for (const all of form.querySelectorAll("input[data-group]")) all.checked = false;
}

function counted(form, count) {
  const n = boxes(form).filter((b) => b.checked).length;
  const requests = Math.ceil(n / PER_REQUEST);
  count.textContent =
    n > PER_REQUEST
      ? `${number(n)} mailboxes chosen: sent as ${requests} requests of up to ${PER_REQUEST} (the API's limit).`
      : `${number(n)} mailbox(es) chosen.`;
}

async function send(form, result, redraw) {
  const chosen = boxes(form).filter((b) => b.checked).map((b) => ({ integration: b.dataset.integration, address: b.dataset.mailbox }));
  const which = form.querySelector("input[name='which']:checked").value;
  const seconds = Number(form.elements.namedItem("interval").value) * Number(form.elements.namedItem("unit").value);
  if (!chosen.length) {
    const box = form.querySelector(".summary-errors");
    replace(box, h("strong", { text: "Tick at least one mailbox." }));
    box.focus();
    return;
  }
  // The last report goes at once: it must never pass for the answer to this request.
  result.replaceChildren();
  const kinds = which === "ticked" || which === "ALL" ? "ALL" : [which];
  const totals = { updated: [], skipped: [], not_found: [], managed: [] };
  const batches = [];
  for (let at = 0; at < chosen.length; at += PER_REQUEST) batches.push(chosen.slice(at, at + PER_REQUEST));
  let sent = 0;
  try {
    for (const batch of batches) {
      const answer = await post("/schedules", { poll_interval_seconds: seconds, mailboxes: batch, kinds });
      for (const name of Object.keys(totals)) totals[name].push(...(answer[name] || []));
      sent += 1;
    }
  } catch (error) {
    showApiError(form, error);
  }
  report(result, totals, seconds, sent, batches.length);
  if (sent) await redraw();
}

const requests = (n) => (n === 1 ? "1 request" : `${n} requests`);

function report(result, totals, seconds, sent, planned) {
  const keys = (list) => list.map((k) => `${k.integration} ${k.address}`).join(", ");
  const failed = sent < planned;
  replace(
    result,
    h(
      "div",
      { class: `notice ${failed ? "error" : "success"}`, "data-updated": totals.updated.length },
      h(
        "div",
        {},
        sent
          ? h("p", { text: `${number(totals.updated.length)} mailbox(es) now poll every ${duration(seconds)} (${requests(sent)} sent).` })
          : h("p", { text: "Nothing was changed." }),
        failed ? h("p", { text: `Request ${sent + 1} of ${planned} was refused (the form says why): the mailboxes of the ${requests(planned - sent)} not sent keep their interval.` }) : null,
        totals.skipped.length ? h("p", { text: `Skipped (another kind): ${keys(totals.skipped)}.` }) : null,
        totals.not_found.length ? h("p", { text: `Not found (removed meanwhile?): ${keys(totals.not_found)}.` }) : null,
        totals.managed.length ? h("p", { "data-managed-refused": "", text: `Not changed, managed by the config file (change the interval there and restart commsync serve): ${keys(totals.managed)}.` }) : null,
      ),
    ),
  );
}
