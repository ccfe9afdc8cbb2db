// Every request of the web map to its server goes through `api`, so that
// headers a logged-in user must send are added in this one place. Tile
// layers use plain URLs (a session cookie travels with them).

/** Headers added to every API request; see `setApiHeaders`. */
const extraHeaders = {};

/** Sets (or with `null` removes) a header sent with every API request. */
export function setApiHeaders(headers) {
  for (const [name, value] of Object.entries(headers)) {
    if (value == null) delete extraHeaders[name];
    else extraHeaders[name] = value;
  }
}

/** An error answer of the server, with its status. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * Fetches `path` from the server. Returns the parsed JSON, or with
 * `{ raw: true }` the `Response` itself (for downloads).
 */
export async function api(path, { raw = false, headers = {}, ...opts } = {}) {
  // auth.js (a classic script before this module) holds the purpose.
  const aangemeld = typeof aanmelding === "undefined" ? {} : aanmelding.headers();
  const r = await fetch(path, {
    credentials: "same-origin",
    ...opts,
    headers: { Accept: raw ? "*/*" : "application/json", ...extraHeaders, ...aangemeld, ...headers },
  });
  if (!r.ok) {
    let melding = `${r.status} ${r.statusText}`;
    try { melding = (await r.json()).error || melding; } catch (_) { /* no JSON body */ }
    throw new ApiError(melding, r.status);
  }
  return raw ? r : r.json();
}

/** Downloads `path` as a file named `name` (through `api`, so with its headers). */
export async function download(path, name) {
  const r = await api(path, { raw: true });
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
