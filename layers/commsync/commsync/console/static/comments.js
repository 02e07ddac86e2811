// Comments: a bucket's comments (the change feed, read page by page), searched among those
// loaded; one comment with its text, signature and quoted history apart, properties, attachments.
import { get, seg } from "./api.js";
import { bytes, facts, h, number, replace, stamp, when } from "./dom.js";

const PAGE = 50;
const PARALLEL = 6;

export async function buckets(main) {
  const integrations = await get("/integrations");
  const names = [...new Set(integrations.map((i) => i.bucket))].sort();
  replace(
    main,
    h("h1", { text: "Comments" }),
    names.length
      ? [h("p", { text: "Choose a bucket:" }), h("ul", {}, names.map((b) => h("li", {}, h("a", { href: `#/comments/${b}`, "data-bucket": b, text: b }))))]
      : h("p", { class: "muted", text: "No bucket yet: comments appear once an integration has synced." }),
  );
}

// Fetches the comments of one feed page, a few at a time.
async function details(bucket, changes) {
  const out = [];
  for (let i = 0; i < changes.length; i += PARALLEL) {
    const batch = changes.slice(i, i + PARALLEL);
    out.push(...(await Promise.all(batch.map((c) => get(`/buckets/${seg(bucket)}/comments/${c.id}`).catch(() => null)))));
  }
  return out.filter(Boolean);
}

const subjectOf = (c) => c.messages[0]?.subject?.text || "(no subject)";

function haystack(c) {
  const m = c.messages[0] || {};
  return [subjectOf(c), m.from, ...(m.to || []), ...(m.cc || []), m.body?.text, c.source?.folder, c.source?.mailbox, c.id]
    .join("\n")
    .toLowerCase();
}

export async function commentList(main, bucket) {
  const state = { cursor: null, more: true, loaded: [] };
  const search = h("input", { type: "search", id: "comment-search", name: "q", autocomplete: "off", "aria-describedby": "comment-count" });
  const count = h("p", { id: "comment-count", class: "muted", "aria-live": "polite" });
  const list = h("ul", { class: "list", "data-comments": bucket });
  const more = h("button", { type: "button", text: "Load more" });
  replace(
    main,
    h("h1", { text: `Comments in ${bucket}` }),
    h("div", { class: "field" }, h("label", { for: "comment-search", text: "Search subject, people, text, folder" }), search),
    count,
    list,
    h("div", { class: "actions" }, more),
  );
  const draw = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = state.loaded.filter((c) => words.every((w) => haystack(c).includes(w)));
    replace(list, shown.map((c) => row(bucket, c)));
    count.textContent = `${number(shown.length)} shown of ${number(state.loaded.length)} loaded${state.more ? " (more can be loaded)" : ""}.`;
    more.hidden = !state.more;
  };
  const load = async () => {
    more.disabled = true;
    const query = state.cursor ? `&cursor=${encodeURIComponent(state.cursor)}` : "";
    const page = await get(`/buckets/${seg(bucket)}/comments?limit=${PAGE}${query}`);
    state.cursor = page.cursor;
    state.more = page.more;
    state.loaded.push(...(await details(bucket, page.changes)));
    state.loaded.sort((a, b) => (b.timestamp || "").localeCompare(a.timestamp || ""));
    more.disabled = false;
    draw();
  };
  search.addEventListener("input", draw);
  more.addEventListener("click", load);
  await load();
}

function row(bucket, c) {
  const m = c.messages[0] || {};
  return h(
    "li",
    { "data-comment": c.id },
    h("a", { class: "subject", href: `#/comments/${bucket}/${c.id}`, text: subjectOf(c) }),
    h("div", { class: "small muted", text: `${m.from || "unknown sender"} · ${when(c.timestamp)} · ${c.source?.folder || ""} · ${c.source?.mailbox || ""}` }),
    c.attachments.length ? h("div", { class: "small", text: `${c.attachments.length} attachment(s)` }) : null,
  );
}

export async function comment(main, bucket, id) {
  const base = `/buckets/${seg(bucket)}/comments/${id}`;
  const [c, history] = await Promise.all([get(base), get(`${base}/history`).catch(() => ({ available: false }))]);
  const m = c.messages[0] || {};
  replace(
    main,
    h("p", {}, h("a", { href: `#/comments/${bucket}`, text: `← Comments in ${bucket}` })),
    h("h1", { text: subjectOf(c) }),
    c.thread_id ? h("p", {}, h("a", { href: `#/comments/${bucket}/thread/${encodeURIComponent(c.thread_id)}`, "data-key": "thread", text: "Read the whole thread" })) : null,
    facts([
      ["From", m.from || "–"],
      ["To", (m.to || []).join(", ") || "–"],
      m.cc?.length ? ["Cc", m.cc.join(", ")] : null,
      m.bcc?.length ? ["Bcc", m.bcc.join(", ")] : null,
      ["Sent", stamp(m.sent_at || c.timestamp)],
      ["Language", m.language || "–"],
    ]),
    h("section", { class: "card", "aria-labelledby": "text-title" }, h("h2", { id: "text-title", text: "Text" }), h("pre", { class: "text", "data-part": "body", text: m.body?.text || "(empty)" })),
    h(
      "section",
      { class: "card", "aria-labelledby": "signature-title" },
      h("h2", { id: "signature-title", text: "Signature" }),
      m.signature?.text ? h("pre", { class: "text signature", "data-part": "signature", text: m.signature.text }) : h("p", { class: "muted", text: "None found." }),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "history-title" },
      h("h2", { id: "history-title", text: "Quoted history" }),
      history.available && history.text
        ? h("details", {}, h("summary", { text: "Show the quoted history" }), h("pre", { class: "text quoted", "data-part": "history", text: history.text }))
        : h("p", { class: "muted", text: history.available ? "None: this email quotes nothing." : "Not available (the raw email is not stored)." }),
    ),
    attachments(bucket, c),
    h(
      "section",
      { class: "card", "aria-labelledby": "properties-title" },
      h("h2", { id: "properties-title", text: "Properties" }),
      facts([
        ["Id", c.id],
        ["Thread", c.thread_id ? h("a", { href: `#/comments/${bucket}/thread/${encodeURIComponent(c.thread_id)}`, "data-thread": c.thread_id, text: "Read the whole thread" }) : "–"],
        ["Source", `${c.source.integration} (${c.source.kind}) · ${c.source.mailbox} · ${c.source.folder}`],
        ...Object.entries(c.user_properties).map(([k, v]) => [k.replace(/^(string|number):/, ""), String(v)]),
        ["Created", stamp(c.created_at)],
        ["Updated", stamp(c.updated_at)],
      ]),
      c.warnings.length ? [h("h3", { text: "Warnings" }), h("ul", {}, c.warnings.map((w) => h("li", { text: w })))] : null,
    ),
  );
}

// A short-lived link per attachment (presigned S3 URL on AWS, signed local URL): asked for on click.
function attachments(bucket, c) {
  const items = c.attachments.map((a) => {
    const slot = h("span", {});
    const label = `${a.name} (${a.content_type}, ${bytes(a.size)})`;
    if (!a.attachment_reference) return h("li", {}, label, h("span", { class: "muted", text: " – not stored (attachment sync is off)" }));
    const ask = h("button", { type: "button", class: "link", text: `Get a download link for ${a.name}` });
    ask.addEventListener("click", async () => {
      ask.disabled = true;
      try {
        const link = await get(`/buckets/${seg(bucket)}/attachments/${seg(a.attachment_reference)}`);
        replace(slot, h("a", { href: link.url, download: a.name, rel: "noopener", "data-attachment": a.name, text: `Download ${a.name}` }), h("span", { class: "muted small", text: ` (valid until ${when(link.expires_at)})` }));
        slot.querySelector("a").focus();
      } catch (error) {
        replace(slot, h("span", { class: "error", role: "alert", text: error.message }));
      } finally {
        ask.disabled = false;
      }
    });
    return h("li", {}, label, " ", ask, " ", slot);
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "attachments-title" },
    h("h2", { id: "attachments-title", text: "Attachments" }),
    items.length ? h("ul", {}, items) : h("p", { class: "muted", text: "None." }),
  );
}

// A thread (issue 23): every comment of the bucket with this thread id, oldest first. The feed is
// the only index the API has, so the newest THREAD_SCAN comments are searched, and the page says so.
const THREAD_SCAN = 2000;

export async function thread(main, bucket, threadId) {
  replace(main, h("p", { class: "muted", text: "Collecting the thread…" }));
  const found = [];
  let cursor = null;
  let scanned = 0;
  let more = true;
  while (more && scanned < THREAD_SCAN) {
    const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page = await get(`/buckets/${seg(bucket)}/comments?limit=${PAGE}${query}`);
    scanned += page.changes.length;
    found.push(...(await details(bucket, page.changes)).filter((c) => c.thread_id === threadId));
    ({ cursor, more } = page);
  }
  found.sort((a, b) => (a.timestamp || "").localeCompare(b.timestamp || ""));
  const entry = (c) => {
    const m = c.messages[0] || {};
    return h(
      "li",
      { "data-comment": c.id },
      h("a", { class: "subject", href: `#/comments/${bucket}/${c.id}`, text: subjectOf(c) }),
      h("div", { class: "small muted" }, `${m.from || "unknown sender"} · `, stamp(m.sent_at || c.timestamp)),
      h("pre", { class: "text", text: m.body?.text || "(empty)" }),
    );
  };
  replace(
    main,
    h("p", {}, h("a", { href: `#/comments/${bucket}`, text: `← Comments in ${bucket}` })),
    h("h1", { text: found.length ? `Thread: ${subjectOf(found[0])}` : "Thread" }),
    h("p", { class: "muted", "data-thread-count": found.length, text: `${number(found.length)} comment(s), oldest first${more ? ` (among the newest ${number(scanned)} of the bucket)` : ""}.` }),
    h("ol", { class: "list", "data-thread": threadId }, found.map(entry)),
  );
}
