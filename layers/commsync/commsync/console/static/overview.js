// Overview: every integration's health at a glance, and the last day's comments and errors.
import { get, getMetrics } from "./api.js";
import { chart, sumHours } from "./chart.js";
import { duration, facts, h, number, replace, timeAgo } from "./dom.js";
import { explainDisabled, integrationHealth, kindName } from "./health.js";
import { live, session } from "./shell.js";

async function load() {
  const [integrations, status, cached] = await Promise.all([get("/integrations"), get("/status"), getMetrics()]);
  const known = new Set(cached.integrations.map((m) => m.key));
  const metrics = integrations.every((i) => known.has(i.key)) ? cached : await getMetrics(true);
  return { integrations, status, metrics };
}

export function overview(main) {
  const body = h("div", { "data-page": "overview" });
  replace(main, h("h1", { text: "Overview" }), body);
  return live(body, load, (data) => draw(body, data)).ready;
}

function draw(body, { integrations, status, metrics }) {
  const statusByKey = Object.fromEntries(status.map((s) => [s.key, s]));
  const figuresByKey = Object.fromEntries(metrics.integrations.map((m) => [m.key, m]));
  const usage = Object.fromEntries(metrics.projects.map((p) => [p.project, p]));
  if (!integrations.length) {
    replace(
      body,
      h("p", { text: "No integration is configured yet." }),
      session.canModify
        ? h("p", {}, h("a", { class: "button primary", href: "#/new", text: "Create the first integration" }))
        : h("p", { class: "muted", text: "Someone with the modify permission can create one." }),
    );
    return;
  }
  const healths = integrations.map((i) => integrationHealth(i, statusByKey[i.key]?.mailboxes || []));
  const mailboxes = status.flatMap((s) => s.mailboxes);
  const attention = healths.filter((x) => x.tone === "bad" || x.tone === "warn").length;
  replace(
    body,
    h(
      "div",
      { class: "summary", "aria-label": "At a glance" },
      stat(integrations.length, "integrations"),
      stat(healths.filter((x) => x.tone === "ok").length, "syncing"),
      stat(attention, "need attention"),
      stat(mailboxes.length, "mailboxes"),
      stat(mailboxes.filter((m) => m.disabled).length, "mailboxes stopped"),
    ),
    h("h2", { text: "Integrations" }),
    session.canModify
      ? h("p", { class: "actions" }, h("a", { class: "button", href: "#/schedules", "data-key": "schedules", text: "Set poll intervals of many mailboxes…" }))
      : null,
    h(
      "div",
      { class: "cards" },
      integrations.map((integration, i) =>
        card(integration, healths[i], statusByKey[integration.key], figuresByKey[integration.key], usage[integration.project]),
      ),
    ),
    // After the cards: at 1280x800 the chart above them pushed every card below the fold.
    h("section", { class: "card", "data-chart": "" }, chart(sumHours(metrics.integrations.map((m) => m.hours)), "Comments synced and errors, last 24 hours")),
  );
}

const stat = (value, label) => h("div", {}, h("strong", { text: number(value) }), h("span", { class: "muted", text: label }));

function card(integration, health, status, figures, usage) {
  const mailboxes = status?.mailboxes || [];
  const problem = integration.disabled ? explainDisabled(integration.disabled, "integration") : null;
  const stopped = mailboxes.filter((m) => m.disabled && m.disabled.reason !== "user");
  return h(
    "article",
    { class: "card", "data-integration": integration.key },
    h(
      "div",
      { class: "head" },
      h("h3", {}, h("a", { href: `#/integrations/${integration.key}`, "data-key": `open-${integration.key}`, text: integration.key })),
      h("span", { class: `badge ${health.tone}`, "data-health": health.label, text: health.label }),
    ),
    h("p", { class: "muted small", text: `${kindName(integration.kind)} · bucket ${integration.bucket}` }),
    problem ? problemBox(problem, health.tone) : null,
    stopped.length
      ? h("div", { class: "problem" }, h("p", {}, h("strong", { text: `${stopped.length} mailbox(es) stopped: ` }), stopped.map((m) => m.address).join(", ")), h("p", { text: "Open the integration to see why and to re-enable them." }))
      : null,
    facts([
      ["Last successful sync", figures ? timeAgo(figures.last_success_at) : "–"],
      ["Lag", figures && figures.lag_seconds !== null ? duration(figures.lag_seconds) : "–"],
      ["Comments synced", figures ? `${number(figures.comments_total)} (last 24 h: ${number(figures.comments_created + figures.comments_updated)})` : "–"],
      ["Errors, last 24 h", figures ? number(figures.errors) : "–"],
      ["AI units this month", usage ? (usage.quota ? `${number(usage.ai_units)} of ${number(usage.quota)}` : `${number(usage.ai_units)} (no quota)`) : "–"],
      ["Mailboxes", mailboxSummary(mailboxes)],
    ]),
  );
}

export function problemBox(problem, tone) {
  return h(
    "div",
    { class: `problem ${tone === "idle" ? "idle" : ""}`, "data-problem": "" },
    h("p", {}, h("strong", { text: problem.title })),
    problem.detail ? h("p", { text: problem.detail }) : null,
    h("p", {}, h("strong", { text: "What to do: " }), problem.fix),
  );
}

function mailboxSummary(mailboxes) {
  if (!mailboxes.length) return "none yet";
  const ok = mailboxes.filter((m) => !m.disabled && !m.last_error && m.last_success_at).length;
  const failing = mailboxes.filter((m) => !m.disabled && m.last_error).length;
  const stopped = mailboxes.filter((m) => m.disabled).length;
  return [`${ok} of ${mailboxes.length} synced`, failing && `${failing} failing`, stopped && `${stopped} stopped`]
    .filter(Boolean)
    .join(", ");
}
