// End-to-end tests of the web map in headless Chromium against a real
// server on the demo project. Run by scripts/test.sh (or
// `node --test tests/browser/` after `cargo build`).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import { BINARY, CONFIG, PHONE, ROOT, launchBrowser, openPage, seedPurpose, startServer, waitForMap, waitForTiles } from "./harness.mjs";

let server;
let chromium;
// A small tile archive in the served folder, for `?pmtiles=`.
const ARCHIVE = `test-archief-${process.pid}.pmtiles`;

before(async () => {
  const archive = promisify(execFile)(BINARY, [
    "export", "tiles", "-c", CONFIG, "--minzoom", "8", "--maxzoom", "11", "--out", join(ROOT, "web", ARCHIVE),
  ]);
  [server, chromium] = await Promise.all([startServer(), launchBrowser(), archive]);
});

after(async () => {
  rmSync(join(ROOT, "web", ARCHIVE), { force: true });
  await chromium?.close();
  await server?.stop();
});

// The purpose building-level data is asked for (the `Doelbinding` header).
const DOEL = "RIEC-2026-0142";

/**
 * Opens `path` and waits until the map is ready. The purpose `doel` is
 * stated beforehand, as a user would have done earlier in this tab
 * (`doel: null`: none).
 */
async function open(path = "/", { doel = DOEL, voorbereiding, ...options } = {}) {
  const p = await openPage(chromium.browser, server.url, options);
  if (doel) await seedPurpose(p.page, doel);
  if (voorbereiding) await voorbereiding(p.page);
  await p.page.goto(`${server.url}${path}`, { waitUntil: "load" });
  assert.equal(await waitForMap(p.page), "ja", `map failed to start: ${p.problems.join("\n")}`);
  return p;
}

/** How many of the loaded risk tiles have a non-transparent pixel. */
function paintedTiles(page) {
  return page.evaluate(() => {
    const c = document.createElement("canvas");
    c.width = 256; c.height = 256;
    const g = c.getContext("2d", { willReadFrequently: true });
    let painted = 0;
    for (const img of document.querySelectorAll(".risicolaag img.leaflet-tile-loaded")) {
      g.clearRect(0, 0, 256, 256);
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, 256, 256).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) { painted++; break; }
    }
    return painted;
  });
}

const firstMunicipality = async () => (await (await fetch(`${server.url}/api/gemeenten`)).json())[0];

describe("desktop", () => {
  test("loads without console or HTTP errors and renders tiles", async () => {
    const { page, problems, requests, close } = await open("/");
    await waitForTiles(page);
    assert.ok((await paintedTiles(page)) > 0, "no risk tile has a visible pixel");
    // Offline: without a configured base map nothing leaves the server.
    const foreign = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith("data:") && !u.startsWith("blob:"));
    assert.deepEqual(foreign, []);
    // Dutch controls and formats.
    assert.equal(await page.$eval(".leaflet-control-zoom-in", (a) => a.title), "Inzoomen");
    assert.equal(await page.$eval(".leaflet-control-zoom-out", (a) => a.title), "Uitzoomen");
    assert.ok(await page.$(".leaflet-control-scale-line"), "no scale bar");
    const peildatum = await page.$eval("#peildatum", (e) => e.textContent);
    assert.match(peildatum, /Peildatum \d{1,2} [a-z]+ \d{4}/);
    // Legend ticks sit on the bar: the last tick's centre is the bar's end.
    const ticks = await page.$$eval(".legenda .schaal span", (s) => s.map((x) => {
      const r = x.getBoundingClientRect();
      return r.left + r.width / 2;
    }));
    const bar = await page.$eval(".legenda .verloop", (e) => e.getBoundingClientRect().toJSON());
    assert.ok(Math.abs(ticks[0] - bar.left) < 3, `first tick at ${ticks[0]}, bar starts at ${bar.left}`);
    assert.ok(Math.abs(ticks.at(-1) - bar.right) < 3, `last tick at ${ticks.at(-1)}, bar ends at ${bar.right}`);
    const classes = await page.$eval(".legenda .klassen", (e) => e.textContent);
    for (const k of ["laag", "verhoogd", "hoog", "zeer hoog"]) assert.ok(classes.includes(k), `legend lacks class ${k}`);
    // Zooming in and out: while the new level loads, no old tile shows
    // under a loaded new one.
    for (const button of [".leaflet-control-zoom-in", ".leaflet-control-zoom-in", ".leaflet-control-zoom-out"]) {
      await page.click(button);
      const stacked = await page.evaluate(() => new Promise((done) => {
        let worst = 0;
        const t0 = performance.now();
        const look = () => {
          const levels = [...document.querySelectorAll(".risicolaag .leaflet-tile-container")];
          const top = levels.reduce((a, b) => (Number(b.style.zIndex) > Number(a?.style.zIndex ?? -1) ? b : a), null);
          const fresh = top ? [...top.querySelectorAll("img.leaflet-tile-loaded")].map((i) => i.getBoundingClientRect()) : [];
          for (const l of levels) {
            if (l === top) continue;
            for (const img of l.querySelectorAll("img.leaflet-tile-loaded:not(.bedekt)")) {
              const r = img.getBoundingClientRect();
              const cx = (r.left + r.right) / 2;
              const cy = (r.top + r.bottom) / 2;
              if (fresh.some((f) => f.left <= cx && cx <= f.right && f.top <= cy && cy <= f.bottom && r.width * r.height <= 4 * f.width * f.height)) worst++;
            }
          }
          if (performance.now() - t0 < 1500) requestAnimationFrame(look); else done(worst);
        };
        look();
      }));
      assert.equal(stacked, 0, `old tiles under loaded new ones after ${button}`);
    }
    assert.deepEqual(problems, []);
    await close();
  });

  test("a click in the map shows the explanation", async () => {
    const g = await firstMunicipality();
    const { page, problems, close } = await open("/");
    await page.select("#gemeente", g.statcode);
    await page.waitForSelector("#inspectielijst li");
    // The demo's run chose the building model: the list says what it ranks.
    const grondslag = await page.$eval("#inspecties", (e) => e.textContent);
    assert.match(grondslag, /Alle panden in het buitengebied, gerangschikt volgens het pandenmodel/);
    assert.match(grondslag, /ander getal/);
    // Open the first building of the list by keyboard.
    await page.focus("#inspectielijst li");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("#uitleg-inhoud .risico-groot"));
    const text = await page.$eval("#uitleg-inhoud", (e) => e.textContent);
    assert.match(text, /\d+,\d/, "risk not in Dutch number format");
    assert.match(text, /Panden binnen reisafstand/, "the building model's part named for what it is");
    assert.match(text, /naar hun eigen kenmerken/, "and explained");
    assert.ok(!/dumping\(en\)|piek\(en\)/.test(text), "singular/plural not resolved");
    // Then a click on the map, away from the building: on a spot where
    // nothing lies over the tiles (a marker, the popup, a control).
    const spot = await page.$eval("#kaart", (kaart) => {
      const box = kaart.getBoundingClientRect();
      for (const fy of [0.55, 0.7, 0.8, 0.4, 0.3, 0.2]) {
        for (const fx of [0.45, 0.3, 0.6, 0.2, 0.75]) {
          const x = box.left + box.width * fx;
          const y = box.top + box.height * fy;
          const hit = document.elementFromPoint(x, y);
          if (hit && kaart.contains(hit) && (hit === kaart || hit.closest(".leaflet-tile-pane"))) return { x, y };
        }
      }
      return null;
    });
    assert.ok(spot, "no free spot on the map to click");
    await page.mouse.click(spot.x, spot.y);
    // The building's popup may still be open: wait for the point's.
    await page.waitForFunction(
      () => /punt=/.test(location.hash) && document.querySelector(".leaflet-popup-content")?.textContent.length > 0,
    );
    assert.match(window_hash(await page.url()), /punt=/);
    assert.deepEqual(problems, []);
    await close();
  });

  test("without a purpose, building-level data waits for it with a Dutch message", async () => {
    const g = await firstMunicipality();
    const { page, problems, requests, close } = await open(`/#gemeente=${g.statcode}`, { doel: null });
    // The list says what is missing instead of failing, and nothing
    // building-level was asked for.
    await page.waitForFunction(() => !document.getElementById("inspecties-melding").hidden);
    assert.match(await page.$eval("#inspecties-melding", (e) => e.textContent), /Vul eerst de doelbinding in/);
    assert.equal(await page.$("#inspectielijst li"), null);
    // A click in the map: the same message in the explanation.
    const box = await page.$eval("#kaart", (e) => e.getBoundingClientRect().toJSON());
    await page.mouse.click(box.left + box.width * 0.5, box.top + box.height * 0.5);
    await page.waitForFunction(() => /Vul eerst de doelbinding in/.test(document.getElementById("uitleg-inhoud").textContent));
    // An evidence layer switched on: the message, not an error.
    const labels = await page.$$eval(".leaflet-control-layers-overlays label", (l) => l.map((x) => x.textContent.trim()));
    await (await page.$$(".leaflet-control-layers-overlays input"))[labels.indexOf("Dumpingen")].click();
    await page.waitForFunction(() => /Vul eerst de doelbinding in/.test(document.getElementById("melding").textContent));
    const paden = await page.$$eval(".leaflet-overlay-pane path", (p) => p.length);
    assert.deepEqual(requests.filter((u) => /inspecties|explain|dumpingen\.geojson/.test(u)), []);
    // Typed like a user: list, explanation and layer follow.
    await page.type("#doel", DOEL);
    await page.waitForSelector("#inspectielijst li");
    assert.equal(await page.$eval("#inspecties-melding", (e) => e.hidden), true);
    await page.waitForFunction(() => document.querySelector("#uitleg-inhoud .risico-groot") || /Geen risico|geen risico/i.test(document.getElementById("uitleg-inhoud").textContent));
    await page.waitForFunction((n) => document.querySelectorAll(".leaflet-overlay-pane path").length > n + 5, {}, paden);
    assert.equal(await page.$eval("#melding", (e) => e.hidden), true);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("buitenzicht-doelbinding")), DOEL);
    assert.deepEqual(problems, []);
    await close();
  });

  test("desktop screenshot", async () => {
    const g = await firstMunicipality();
    const { page, problems, close } = await open(`/#gemeente=${g.statcode}`);
    await page.waitForSelector("#inspectielijst li");
    await page.click("#inspectielijst li");
    await page.waitForFunction(() => document.querySelector("#uitleg-inhoud .risico-groot"));
    await page.evaluate(() => document.getElementById("zijbalk").scrollTo(0, 0));
    await page.evaluate(() => new Promise((r) => setTimeout(r, 800))); // popup fade-in
    await waitForTiles(page);
    await page.screenshot({ path: join(ROOT, "docs/kaart-desktop.png") });
    assert.deepEqual(problems, []);
    await close();
  });

  test("every overlay switches on and off, opacity and legend follow the layer", async () => {
    const { page, problems, close } = await open("/");
    const labels = await page.$$eval(".leaflet-control-layers-overlays label", (l) => l.map((x) => x.textContent.trim()));
    for (const name of ["Gemeentegrenzen", "Bebouwde kom", "Panden op de inspectielijst", "Dumpingen", "Leegstaande panden", "Rioolgebieden met signaal", "Satelliettegels"]) {
      assert.ok(labels.includes(name), `no overlay ${name}`);
    }
    const paths = () => page.$$eval(".leaflet-overlay-pane path", (p) => p.length);
    const before = await paths();
    for (let k = 0; k < labels.length; k++) {
      const box = (await page.$$(".leaflet-control-layers-overlays input"))[k];
      const checked = await box.evaluate((b) => b.checked);
      if (!checked) await box.click();
    }
    await page.waitForFunction((n) => document.querySelectorAll(".leaflet-overlay-pane path").length > n + 40, {}, before);
    const legend = await page.$eval(".legenda", (e) => e.textContent);
    for (const t of ["dumping", "leegstaand pand", "rioolgebied", "satelliettegel"]) assert.ok(legend.includes(t), `legend lacks ${t}`);
    // All off again: only the chosen municipality's outline may stay.
    for (const box of await page.$$(".leaflet-control-layers-overlays input")) await box.click();
    assert.ok((await paths()) <= 1, "overlays left on the map");
    // Another layer: its own legend, no risk classes, its own opacity.
    const radios = await page.$$(".leaflet-control-layers-base input");
    await radios[2].click();
    await page.waitForFunction(() => /laag=dumpingen/.test(location.hash));
    assert.match(await page.$eval(".legenda strong", (e) => e.textContent), /umping/);
    assert.equal(await page.$(".legenda .klassen"), null);
    await page.$eval("#dekking", (e) => { e.value = "40"; e.dispatchEvent(new Event("input")); });
    const opacity = await page.$eval(".risicolaag", (e) => getComputedStyle(e).opacity);
    assert.equal(Number(opacity), 0.4);
    await radios[0].click();
    assert.equal(await page.$eval("#dekking", (e) => e.value), "85");
    assert.deepEqual(problems, []);
    await close();
  });

  test("a tile archive is shown, over-zoomed above its maximum zoom", async () => {
    const cfg = await (await fetch(`${server.url}/api/config`)).json();
    const [w, so, e, n] = cfg.bounds;
    // The server serves only the map's own files (and the CSP allows no
    // other origin), so the archive is answered here, with byte ranges as
    // any static file server gives them.
    const bytes = readFileSync(join(ROOT, "web", ARCHIVE));
    const voorbereiding = async (page) => {
      await page.setRequestInterception(true);
      page.on("request", (r) => {
        if (new URL(r.url()).pathname !== `/${ARCHIVE}`) { r.continue(); return; }
        const m = /bytes=(\d+)-(\d*)/.exec(r.headers().range || "");
        const from = m ? Number(m[1]) : 0;
        const to = m && m[2] ? Math.min(Number(m[2]), bytes.length - 1) : bytes.length - 1;
        r.respond({
          status: m ? 206 : 200,
          headers: { "Accept-Ranges": "bytes", ...(m ? { "Content-Range": `bytes ${from}-${to}/${bytes.length}` } : {}) },
          contentType: "application/octet-stream",
          body: bytes.subarray(from, to + 1),
        });
      });
    };
    const { page, problems, close } = await open(`/?pmtiles=/${ARCHIVE}#kaart=14/${((so + n) / 2).toFixed(5)}/${((w + e) / 2).toFixed(5)}`, { voorbereiding });
    const layer = await page.$eval(".leaflet-control-layers-base input:checked", (i) => i.nextSibling.textContent.trim());
    assert.equal(layer, `Archief: ${ARCHIVE}`);
    await waitForTiles(page);
    assert.ok((await paintedTiles(page)) > 0, "no archive tile drawn at z14 (archive up to z11)");
    assert.equal(await page.$eval("#melding", (m) => m.hidden), true);
    assert.deepEqual(problems, []);
    await close();
  });

  test("the print view holds the list, the map, the as-of date, the model and the purpose", async () => {
    const g = await firstMunicipality();
    const { page, problems, close } = await open(`/#gemeente=${g.statcode}`);
    await page.waitForSelector("#inspectielijst li");
    // The purpose as typed for this print.
    await page.$eval("#doel", (e) => { e.value = ""; });
    await page.type("#doel", "PV-2026-0077");
    await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
    await page.emulateMediaType("print");
    const r = await page.evaluate(() => ({
      kop: document.getElementById("afdruk-kop").textContent,
      kopZichtbaar: getComputedStyle(document.getElementById("afdruk-kop")).display !== "none",
      kaart: document.getElementById("kaart").getBoundingClientRect().height,
      lijst: getComputedStyle(document.getElementById("inspecties")).display !== "none",
      zoeken: getComputedStyle(document.getElementById("zoeken")).display,
    }));
    assert.ok(r.kopZichtbaar && r.lijst && r.kaart > 200, JSON.stringify(r));
    assert.equal(r.zoeken, "none");
    assert.match(r.kop, /Peildatum \d+ [a-z]+ \d{4}/);
    assert.match(r.kop, /model /);
    assert.match(r.kop, /PV-2026-0077/);
    assert.ok(r.kop.includes(g.statnaam));
    assert.deepEqual(problems, []);
    await close();
  });

  test("downloads work", async () => {
    const g = await firstMunicipality();
    const { page, problems, close } = await open(`/#gemeente=${g.statcode}`);
    await page.waitForSelector("#inspectielijst li");
    const targets = await page.$$eval("#download-knoppen button", (b) => b.map((x) => ({ pad: x.dataset.pad, label: x.textContent })));
    assert.ok(targets.length >= 5, `only ${targets.length} download buttons`);
    const expected = [
      [/export\.geojson/, "application/geo+json", (t) => JSON.parse(t).type === "FeatureCollection"],
      [/inspecties\.csv$/, "text/csv", (t) => t.startsWith("statcode,rang,identificatie")],
      [/inspecties\.geojson$/, "application/geo+json", (t) => JSON.parse(t).features.length > 0],
      [/risico\.tif$/, "image/tiff", null],
      [/risico\.qml$/, "application/xml", (t) => t.includes("<qgis")],
    ];
    for (const [pattern, type, check] of expected) {
      const target = targets.find((t) => pattern.test(t.pad));
      assert.ok(target, `no download for ${pattern}`);
      // Fetched from inside the page, as the button does.
      const got = await page.evaluate(async (pad) => {
        const r = await fetch(pad, { headers: { Doelbinding: sessionStorage.getItem("buitenzicht-doelbinding") } });
        const buf = new Uint8Array(await r.arrayBuffer());
        return { status: r.status, type: r.headers.get("content-type"), head: [...buf.slice(0, 4)], text: r.headers.get("content-type").startsWith("image/") ? "" : new TextDecoder().decode(buf), size: buf.length };
      }, target.pad);
      assert.equal(got.status, 200, target.pad);
      assert.ok(got.type.startsWith(type), `${target.pad}: ${got.type}`);
      if (check) assert.ok(check(got.text), `${target.pad}: unexpected body`);
      else assert.deepEqual(got.head, [0x49, 0x49, 0x2a, 0x00], "GeoTIFF magic"); // little-endian TIFF
    }
    // A click on a button saves the file.
    const client = await page.createCDPSession();
    const dir = join(ROOT, "target/browser-downloads");
    mkdirSync(dir, { recursive: true });
    await client.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
    await page.click("#download-knoppen button:nth-child(2)");
    assert.deepEqual(problems, []);
    await close();
  });

  test("the permalink restores view, layer and municipality", async () => {
    const g = await firstMunicipality();
    const { page, problems, close } = await open(`/#kaart=13/${((g.bbox[1] + g.bbox[3]) / 2).toFixed(5)}/${((g.bbox[0] + g.bbox[2]) / 2).toFixed(5)}&laag=dumpingen&gemeente=${g.statcode}`);
    await page.waitForSelector("#inspectielijst li");
    const view = await page.evaluate(() => ({ hash: location.hash, layer: document.querySelector(".leaflet-control-layers-base input:checked")?.nextSibling?.textContent.trim(), select: document.getElementById("gemeente").value }));
    assert.equal(view.select, g.statcode);
    assert.match(view.hash, /kaart=13\//);
    assert.match(view.hash, /laag=dumpingen/);
    assert.match(view.layer || "", /umping/i);
    const [, z, lat, lon] = /kaart=(\d+)\/([-\d.]+)\/([-\d.]+)/.exec(view.hash);
    assert.equal(Number(z), 13);
    assert.ok(Math.abs(Number(lat) - (g.bbox[1] + g.bbox[3]) / 2) < 1e-3);
    assert.ok(Math.abs(Number(lon) - (g.bbox[0] + g.bbox[2]) / 2) < 1e-3);
    // A selection in the list goes into the URL and comes back from it.
    await page.click("#inspectielijst li");
    await page.waitForFunction(() => /pand=/.test(location.hash));
    const url = page.url();
    const pand = /pand=([^&]+)/.exec(url)[1];
    const again = await open(url.slice(server.url.length));
    await again.page.waitForFunction(() => document.querySelector("#inspectielijst li.actief"));
    assert.equal(await again.page.$eval("#inspectielijst li.actief", (li) => li.dataset.id), decodeURIComponent(pand));
    assert.deepEqual(problems, []);
    assert.deepEqual(again.problems, []);
    await again.close();
    await close();
  });

  test("search finds RD New and WGS84 positions and municipalities", async () => {
    const g = await firstMunicipality();
    const { page, problems, close } = await open("/");
    const search = async (q) => {
      await page.$eval("#zoekterm", (e) => { e.value = ""; });
      await page.type("#zoekterm", q);
      await page.click("#zoeken button");
      await page.waitForFunction(() => !/Zoeken…/.test(document.getElementById("zoek-uitkomst").textContent) && document.getElementById("zoek-uitkomst").textContent);
      return page.$eval("#zoek-uitkomst", (e) => e.textContent);
    };
    assert.match(await search(g.statnaam), /Gemeente/);
    assert.equal(await page.$eval("#gemeente", (e) => e.value), g.statcode);
    assert.match(await search("155000 463000"), /Gevonden/);
    const c = await page.evaluate(() => /kaart=\d+\/([-\d.]+)\/([-\d.]+)/.exec(location.hash).slice(1).map(Number));
    // RD 155000 463000 (Amersfoort) is 52.1552 N, 5.3872 E.
    assert.ok(Math.abs(c[0] - 52.1552) < 0.001 && Math.abs(c[1] - 5.3872) < 0.001, `RD search went to ${c}`);
    assert.match(await search("51,45, 5,40"), /Gevonden/);
    assert.deepEqual(problems, []);
    await close();
  });
});

function window_hash(url) {
  return new URL(url).hash;
}

describe("phone", () => {
  test("the map keeps most of the screen and the controls stay inside", async () => {
    const { page, problems, close } = await open("/", { viewport: PHONE });
    await waitForTiles(page);
    const m = await page.evaluate(() => {
      const r = document.getElementById("kaart").getBoundingClientRect();
      const sheet = document.getElementById("zijbalk").getBoundingClientRect();
      const controls = [...document.querySelectorAll(".leaflet-control")].map((c) => c.getBoundingClientRect().toJSON());
      const touch = [...document.querySelectorAll(".leaflet-control-zoom a, #paneel-knop")].map((c) => c.getBoundingClientRect().toJSON());
      return { map: r.toJSON(), sheet: sheet.toJSON(), controls, touch, w: innerWidth, h: innerHeight };
    });
    const visible = (m.map.width * (Math.min(m.map.bottom, m.sheet.top) - m.map.top)) / (m.w * m.h);
    assert.ok(visible > 0.8, `map shows ${Math.round(100 * visible)} % of the screen`);
    for (const c of m.controls) {
      assert.ok(c.left >= 0 && c.top >= 0 && c.right <= m.w && c.bottom <= m.h, `control outside viewport: ${JSON.stringify(c)}`);
    }
    for (const t of m.touch) assert.ok(t.height >= 44 && t.width >= 44, `touch target too small: ${JSON.stringify(t)}`);
    await page.screenshot({ path: join(ROOT, "docs/kaart-telefoon.png") });
    // The sheet opens and the map still has room.
    await page.click("#paneel-knop");
    const open2 = await page.$eval("#zijbalk", (e) => e.getBoundingClientRect().top / innerHeight);
    assert.ok(open2 > 0.5, "the open sheet covers more than half of the screen");
    assert.deepEqual(problems, []);
    await close();
  });
});

describe("hostile URLs", () => {
  const payload = "<img src=x onerror=window.__xss=1>";
  const e = encodeURIComponent(payload);
  for (const path of [
    `/?pmtiles=${e}`,
    `/?pmtiles=${e}#laag=${e}`,
    `/#kaart=${e}&laag=${e}&gemeente=${e}&pand=${e}&punt=${e}`,
    `/?kaart=${e}&laag=${e}&gemeente=${e}`,
    `/#gemeente=${e}`,
  ]) {
    test(`payload stays inert: ${path.slice(0, 40)}`, async () => {
      const p = await openPage(chromium.browser, server.url);
      await p.page.goto(`${server.url}${path}`, { waitUntil: "load" });
      await waitForMap(p.page);
      await new Promise((r) => setTimeout(r, 500));
      const r = await p.page.evaluate(() => ({
        xss: window.__xss,
        injected: [...document.querySelectorAll("img")].some((i) => i.getAttribute("src") === "x"),
        message: document.getElementById("melding").textContent,
      }));
      assert.equal(r.xss, undefined);
      assert.equal(r.injected, false);
      if (path.includes("pmtiles")) assert.match(r.message, /kon niet worden gelezen/);
      // Only the archive's own request may fail (it names no file).
      const others = p.problems.filter((x) => !x.includes("%3Cimg") && !x.includes("404 (Not Found)"));
      assert.deepEqual(others, []);
      await p.close();
    });
  }
});
