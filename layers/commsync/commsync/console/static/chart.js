// The overview's chart: comments synced and failed polls per hour, drawn as SVG from GET /metrics.
// Two panels share the time axis so that a handful of errors stays visible beside thousands of comments.
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 720;
const LEFT = 44;
const RIGHT = 8;
const TOP_H = 130;
const ERR_H = 46;
const GAP = 40;

function s(tag, attrs, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

// Sums the hours of several integrations slot by slot (the overview charts them all together).
export function sumHours(lists) {
  const total = [];
  for (const hours of lists) {
    hours.forEach((hour, i) => {
      total[i] = total[i] || { start: hour.start, comments: 0, errors: 0 };
      total[i].comments += hour.created + hour.updated;
      total[i].errors += hour.errors;
    });
  }
  return total;
}

const hourLabel = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

function niceMax(value) {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= value / 4) * power;
  return Math.ceil(value / step) * step;
}

function panel(svg, hours, key, top, height, css, title) {
  const plot = WIDTH - LEFT - RIGHT;
  svg.append(s("text", { x: LEFT, y: top - 6, class: "tick panel-title" }, title));
  const slot = plot / hours.length;
  const max = niceMax(Math.max(0, ...hours.map((x) => x[key])));
  for (const fraction of [0, 0.5, 1]) {
    const y = top + height - fraction * height;
    svg.append(s("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: y, y2: y, class: fraction ? "grid" : "axis" }));
    svg.append(s("text", { x: LEFT - 6, y: y + 4, "text-anchor": "end", class: "tick" }, String(max * fraction)));
  }
  hours.forEach((hour, i) => {
    const value = hour[key];
    if (!value) return;
    const barHeight = Math.max(1.5, (value / max) * height);
    const bar = s("rect", {
      x: LEFT + i * slot + slot * 0.15,
      y: top + height - barHeight,
      width: slot * 0.7,
      height: barHeight,
      class: `bar ${css}`,
      "data-hour": hour.start,
      "data-value": value,
    });
    bar.append(s("title", {}, `${hourLabel(hour.start)}: ${value} ${css}`));
    svg.append(bar);
  });
}

export function chart(hours, caption) {
  const comments = hours.reduce((n, x) => n + x.comments, 0);
  const errors = hours.reduce((n, x) => n + x.errors, 0);
  const height = 22 + TOP_H + GAP + ERR_H + 22;
  const svg = s("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: "img",
    "aria-label": `${caption}: ${comments} comments synced and ${errors} failed polls in ${hours.length} hours`,
  });
  panel(svg, hours, "comments", 22, TOP_H, "comments", "Comments synced");
  panel(svg, hours, "errors", 22 + TOP_H + GAP, ERR_H, "errors", "Failed polls");
  const slot = (WIDTH - LEFT - RIGHT) / hours.length;
  const every = Math.max(1, Math.ceil(hours.length / 8));
  hours.forEach((hour, i) => {
    if (i % every) return;
    const x = LEFT + i * slot + slot / 2;
    svg.append(s("text", { x, y: height - 4, "text-anchor": "middle", class: "tick" }, hourLabel(hour.start)));
  });
  const table = h(
    "table",
    {},
    h("thead", {}, h("tr", {}, h("th", { text: "Hour starting" }), h("th", { text: "Comments" }), h("th", { text: "Errors" }))),
    h(
      "tbody",
      {},
      hours.map((x) =>
        h("tr", {}, h("td", { text: hourLabel(x.start) }), h("td", { text: x.comments }), h("td", { text: x.errors })),
      ),
    ),
  );
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", { text: caption }),
    h(
      "div",
      { class: "legend" },
      h("span", {}, h("span", { class: "swatch comments" }), `comments synced per hour (${comments})`),
      h("span", {}, h("span", { class: "swatch errors" }), `failed polls per hour (${errors})`),
    ),
    svg,
    h("details", {}, h("summary", { text: "Show the figures as a table" }), h("div", { class: "scroll" }, table)),
  );
}
