// The API client: the same routes and bearer token as any other client (README: the management API).
// The token lives in this tab's sessionStorage only: closing the tab forgets it.

const TOKEN_KEY = "commsync.token";

// The console is served at <base>/console: "" locally, "/v1" behind API Gateway's stage.
export const base = location.pathname.replace(/\/console\/?$/, "");

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `the API answered HTTP ${status}`);
    this.status = status;
    this.code = (body && body.error) || "error";
    this.fields = (body && Array.isArray(body.fields) && body.fields) || [];
  }
}

export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (value) => sessionStorage.setItem(TOKEN_KEY, value);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

let unauthorized = () => {};
export function whenUnauthorized(handler) {
  unauthorized = handler;
}

export async function api(method, path, body, tokenOverride) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${tokenOverride || token() || ""}` };
  const init = { method, headers, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch (error) {
    throw new ApiError(0, { error: "network", message: `the API cannot be reached (${error.message})` });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: `unexpected answer (HTTP ${response.status})` };
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && !tokenOverride) unauthorized(error);
    throw error;
  }
  return data;
}

export const get = (path) => api("GET", path);

// /metrics reads up to a day of each bucket's feed: pages that refresh every few seconds ask
// for it at most this often (the per-mailbox status beside it stays live); `fresh` when the
// cached figures lack an integration the page shows.
const METRICS_MS = 20000;
let metrics = { at: 0, value: null };
export async function getMetrics(fresh = false) {
  if (fresh || !metrics.value || Date.now() - metrics.at > METRICS_MS) metrics = { at: Date.now(), value: get("/metrics") };
  try {
    return await metrics.value;
  } catch (error) {
    metrics = { at: 0, value: null };
    throw error;
  }
}
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);

// Path segments as the API expects them: a mailbox address is percent-encoded ('@' -> %40).
export const seg = (...parts) => parts.map((p) => encodeURIComponent(p)).join("/");
export const integrationPath = (key) => `/integrations/${seg(...key.split("/"))}`;
export const mailboxPath = (key, address) => `${integrationPath(key)}/mailboxes/${seg(address)}`;
