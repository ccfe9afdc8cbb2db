// Test harness for the web map: starts the real server on a free port and
// the system's Chromium (Debian's `chromium`, driven by puppeteer-core; no
// browser is downloaded), and records every console error, uncaught
// exception and failed HTTP request of a page.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import puppeteer from "puppeteer-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BINARY = process.env.BUITENZICHT_BIN || join(ROOT, "target/debug/buitenzicht");
export const CONFIG = process.env.BUITENZICHT_CONFIG || join(ROOT, "fixtures/buitenzicht.toml");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** A free TCP port on the loopback interface. */
function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * Starts `buitenzicht serve` on the demo project and waits until it
 * answers. Returns `{ url, stop, log }`.
 */
export async function startServer({ config = CONFIG, args = [] } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(BINARY, ["serve", "-c", config, "--addr", `127.0.0.1:${port}`, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => { log += d; });
  child.stderr.on("data", (d) => { log += d; });
  let exited = null;
  child.on("exit", (code) => { exited = code; });
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited !== null) throw new Error(`server exited with ${exited}:\n${log}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not answer within 180 s:\n${log}`);
    }
    try {
      // With [access] the settings need a user: 401 also means "up".
      const r = await fetch(`${url}/api/config`);
      if (r.ok || r.status === 401) break;
    } catch (_) { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = () => new Promise((ok) => {
    if (exited !== null) return ok();
    child.once("exit", () => ok());
    child.kill("SIGINT");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
  return { url, stop, log: () => log };
}

/** Launches headless Chromium with a fresh profile. Returns `{ browser, close }`. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "buitenzicht-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--lang=nl-NL",
      `--user-data-dir=${profile}`,
    ],
  });
  const close = async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { browser, close };
}

/**
 * A project with access control in a new temporary folder: the demo
 * project's file with absolute paths, plus `[access]` with its own users
 * file and audit log. `users` is `[{ name, role, gemeenten }]`; returns
 * `{ dir, config, tokens: { name: token }, remove }`.
 */
export async function accessProject(users) {
  const dir = mkdtempSync(join(tmpdir(), "buitenzicht-toegang-"));
  const text = readFileSync(CONFIG, "utf8")
    .replace(/^path = "/gm, `path = "${join(ROOT, "fixtures")}/`)
    .replace(/^web_dir = "\.\.\/web"/m, `web_dir = "${join(ROOT, "web")}"`);
  const config = join(dir, "buitenzicht.toml");
  writeFileSync(config, `${text}\n[access]\nusers = "users.toml"\naudit_log = "audit.jsonl"\n`);
  const tokens = {};
  for (const { name, role, gemeenten = [] } of users) {
    const args = ["users", "add", name, "--role", role, ...gemeenten.flatMap((g) => ["--gemeente", g]), "-c", config];
    const { stdout } = await promisify(execFile)(BINARY, args, { cwd: ROOT });
    tokens[name] = stdout.trim().split("\n").pop().trim();
  }
  return { dir, config, tokens, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** States `doel` as the purpose before the page's scripts run (as a user
 * would have typed it earlier in this tab). */
export async function seedPurpose(page, doel) {
  await page.evaluateOnNewDocument((d) => sessionStorage.setItem("buitenzicht-doelbinding", d), doel);
}

/** Viewports the map is tested in. */
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/**
 * A new page in its own browser context that records problems: console
 * errors, uncaught exceptions, HTTP responses ≥ 400 and failed requests.
 * `auth` sets what a logged-in user sends: `{ token }` as an
 * `Authorization: Bearer` header, `{ cookie: { name, value } }` as a
 * cookie for the server, `{ headers }` for any other header (such as
 * `Doelbinding`).
 */
export async function openPage(browser, baseUrl, { viewport = DESKTOP, auth } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(viewport);
  const problems = [];
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()} ${m.location()?.url || ""}`);
  });
  page.on("pageerror", (e) => problems.push(`exception: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    // A tile request cancelled because the map moved on is not a failure.
    const reason = r.failure()?.errorText || "";
    if (!reason.includes("ERR_ABORTED")) problems.push(`request failed: ${r.url()} ${reason}`);
  });
  if (auth) await setAuth(page, baseUrl, auth);
  const close = () => context.close();
  return { page, problems, requests, close };
}

/** Sets a user's credentials on `page` (see `openPage`). */
export async function setAuth(page, baseUrl, { token, cookie, headers } = {}) {
  const extra = { ...(headers || {}) };
  if (token) extra.Authorization = `Bearer ${token}`;
  if (Object.keys(extra).length) await page.setExtraHTTPHeaders(extra);
  if (cookie) await page.browserContext().setCookie({ url: baseUrl, ...cookie });
}

/** Waits until the map says it is ready (`document.body.dataset.klaar`). */
export async function waitForMap(page, timeout = 30_000) {
  await page.waitForFunction(() => document.body.dataset.klaar === "ja" || document.body.dataset.klaar === "fout", { timeout });
  return page.evaluate(() => document.body.dataset.klaar);
}

/** Waits until no risk tile is loading and at least one has loaded. */
export async function waitForTiles(page, timeout = 30_000) {
  await page.waitForFunction(() => {
    const tiles = [...document.querySelectorAll(".risicolaag img.leaflet-tile")];
    return tiles.length > 0 && tiles.every((t) => t.complete) && tiles.some((t) => t.classList.contains("leaflet-tile-loaded"));
  }, { timeout, polling: 200 });
}
