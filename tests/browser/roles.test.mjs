// The web map for each role of the access rules, in headless Chromium
// against one server with an [access] section: an analist sees the
// buildings, a gemeente only its own area without incident ids, a KVB
// partner the risk map without anything at building level, a beheerder
// no map data; a wrong token gets the sign-in form with an error.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { accessProject, launchBrowser, openPage, seedPurpose, startServer, waitForMap, waitForTiles } from "./harness.mjs";

const DOEL = "RIEC-2026-0142";
const EIGEN = "GM9902"; // the gemeente user's municipality
// Building ids (BAG, 16 digits) and police incident ids of the demo data.
const PAND_ID = /\b\d{16}\b/;
const INCIDENT_ID = /DMP-\d{4}-\d{4}/;

let project;
let server;
let chromium;
let buiten; // a point in another municipality than EIGEN: { lat, lon, statcode }

/** The average of a municipality's outline vertices (the demo's are convex enough). */
function midden(feature) {
  const ring = feature.geometry.type === "MultiPolygon" ? feature.geometry.coordinates[0][0] : feature.geometry.coordinates[0];
  const [lon, lat] = ring.reduce(([a, b], [x, y]) => [a + x / ring.length, b + y / ring.length], [0, 0]);
  return { lat, lon };
}

before(async () => {
  [project, chromium] = await Promise.all([
    accessProject([
      { name: "an", role: "analist" },
      { name: "gm", role: "gemeente", gemeenten: [EIGEN] },
      { name: "kv", role: "kvb" },
      { name: "be", role: "beheerder" },
    ]),
    launchBrowser(),
  ]);
  server = await startServer({ config: project.config });
  const analist = { Authorization: `Bearer ${project.tokens.an}`, Doelbinding: DOEL };
  const grenzen = await (await fetch(`${server.url}/api/layers/gemeenten.geojson`, { headers: analist })).json();
  const ander = grenzen.features.find((ft) => ft.properties.statcode !== EIGEN);
  buiten = { ...midden(ander), statcode: ander.properties.statcode };
  // Checked as the analyst: the point lies in that other municipality.
  const r = await fetch(`${server.url}/api/explain?lon=${buiten.lon.toFixed(6)}&lat=${buiten.lat.toFixed(6)}`, {
    headers: analist,
  });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).gemeente?.statcode, buiten.statcode);
});

after(async () => {
  await chromium?.close();
  await server?.stop();
  project?.remove();
});

/**
 * Opens the map signed in as `name` through the `#token=` link (what
 * scripts/demo.sh prints), with `doel` stated beforehand unless null.
 */
async function openAs(name, { hash = "", doel = DOEL, wait = true } = {}) {
  const p = await openPage(chromium.browser, server.url);
  if (doel) await seedPurpose(p.page, doel);
  await p.page.goto(`${server.url}/#token=${encodeURIComponent(project.tokens[name])}${hash ? `&${hash}` : ""}`, { waitUntil: "load" });
  if (wait) assert.equal(await waitForMap(p.page), "ja", `map failed to start: ${p.problems.join("\n")}`);
  assert.ok(!p.page.url().includes("token="), "the token stayed in the address");
  return p;
}

/** The text and markup of the whole page, tooltips and titles included. */
const wholePage = (page) => page.evaluate(() => document.documentElement.outerHTML);

/** The risk tile at `lat, lon`, zoom `z`, fetched as the page's user: whether it has a visible pixel. */
function tilePainted(page, { lat, lon }, z = 13) {
  return page.evaluate(async (lat, lon, z) => {
    const n = 2 ** z;
    const x = Math.floor(((lon + 180) / 360) * n);
    const r = (lat * Math.PI) / 180;
    const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
    const cfg = await (await fetch("/api/config")).json();
    const a = await fetch(`/tiles/risk/${z}/${x}/${y}.png?v=${encodeURIComponent(cfg.versie)}`);
    if (a.status === 204) return { status: a.status, painted: false };
    if (!a.ok) return { status: a.status, painted: null };
    const bmp = await createImageBitmap(await a.blob());
    const c = document.createElement("canvas");
    c.width = bmp.width; c.height = bmp.height;
    const g = c.getContext("2d");
    g.drawImage(bmp, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return { status: a.status, painted: true };
    return { status: a.status, painted: false };
  }, lat, lon, z);
}

/** Problems other than the refusals `allowed` (regexps on the URL) that the test expects. */
function unexpected(problems, allowed) {
  return problems.filter((x) => !allowed.some((re) => re.test(x) && /403/.test(x)));
}

describe("roles", () => {
  test("analist: the inspection list with building ids and the explanation", async () => {
    const { page, problems, close } = await openAs("an");
    assert.match(await page.$eval("#gebruiker", (e) => e.textContent), /an \(analist\)/);
    const codes = await page.$$eval("#gemeente option", (o) => o.map((x) => x.value).filter(Boolean));
    assert.ok(codes.length > 1, `the analist sees ${codes.length} municipalities`);
    await page.select("#gemeente", EIGEN);
    await page.waitForSelector("#inspectielijst li");
    const ids = await page.$$eval("#inspectielijst li", (l) => l.map((x) => x.dataset.id));
    assert.ok(ids.length > 0 && ids.every((i) => PAND_ID.test(i)), `ids: ${ids.slice(0, 3)}`);
    await page.click("#inspectielijst li");
    await page.waitForFunction(() => document.querySelector("#uitleg-inhoud .risico-groot"));
    assert.match(await page.$eval("#uitleg-inhoud", (e) => e.textContent), /Dumpingen|Leegstand/i);
    // The whole region is drawn, the other municipality included.
    assert.deepEqual(await tilePainted(page, buiten), { status: 200, painted: true });
    // Building-level downloads are offered.
    const pads = await page.$$eval("#download-knoppen button", (b) => b.map((x) => x.dataset.pad));
    assert.ok(pads.some((x) => /inspecties\.csv$/.test(x)), pads.join(" "));
    assert.deepEqual(problems, []);
    await close();
  });

  test("gemeente: only its own municipality, nothing outside it, no incident ids", async () => {
    const { page, problems, close } = await openAs("gm");
    assert.match(await page.$eval("#gebruiker", (e) => e.textContent), new RegExp(`gemeente · ${EIGEN}`));
    const codes = await page.$$eval("#gemeente option", (o) => o.map((x) => x.value).filter(Boolean));
    assert.deepEqual(codes, [EIGEN]);
    // It starts in its own area, with its list.
    assert.equal(await page.$eval("#gemeente", (e) => e.value), EIGEN);
    await page.waitForSelector("#inspectielijst li");
    // Explanations of its buildings: dumpings counted and dated, no incident ids.
    const items = await page.$$("#inspectielijst li");
    for (const li of items.slice(0, 5)) {
      await li.click();
      await page.waitForFunction(() => document.querySelector("#uitleg-inhoud .risico-groot"));
      const text = await page.$eval("#uitleg-inhoud", (e) => e.textContent);
      assert.doesNotMatch(text, INCIDENT_ID);
      assert.doesNotMatch(text, /incident/);
    }
    // The dumping layer: dates, no incident ids.
    const labels = await page.$$eval(".leaflet-control-layers-overlays label", (l) => l.map((x) => x.textContent.trim()));
    await (await page.$$(".leaflet-control-layers-overlays input"))[labels.indexOf("Dumpingen")].click();
    await page.waitForFunction(() => /dumping/.test(document.querySelector(".legenda").textContent));
    assert.doesNotMatch(await wholePage(page), INCIDENT_ID);
    // Outside its area: transparent tiles, and a refused explanation on the page.
    const tegel = await tilePainted(page, buiten);
    assert.ok([200, 204].includes(tegel.status) && tegel.painted === false, JSON.stringify(tegel));
    await close();
    const outside = await openAs("gm", { hash: `punt=${buiten.lat.toFixed(5)},${buiten.lon.toFixed(5)}` });
    await outside.page.waitForFunction(() => /Geen uitleg/.test(document.getElementById("uitleg-inhoud").textContent));
    const refusal = await outside.page.$eval("#uitleg-inhoud", (e) => e.textContent);
    assert.match(refusal, /buiten uw/);
    assert.deepEqual(unexpected(problems, []), []);
    assert.deepEqual(unexpected(outside.problems, [/api\/explain/]), []);
    await outside.close();
  });

  test("kvb: the risk map, no inspection list and no building ids anywhere", async () => {
    const { page, problems, requests, close } = await openAs("kv", { doel: null });
    assert.match(await page.$eval("#gebruiker", (e) => e.textContent), /KVB/);
    await waitForTiles(page);
    // Only the risk layer, and no building-level overlays to switch on.
    const bases = await page.$$eval(".leaflet-control-layers-base label", (l) => l.map((x) => x.textContent.trim()));
    assert.equal(bases.length, 1, bases.join(", "));
    const labels = await page.$$eval(".leaflet-control-layers-overlays label", (l) => l.map((x) => x.textContent.trim()));
    for (const name of ["Dumpingen", "Leegstaande panden", "Panden op de inspectielijst"]) assert.ok(!labels.includes(name), `kvb offered ${name}`);
    assert.equal(await page.$eval("#doel-vak", (e) => e.hidden), true);
    // A municipality: the list is refused, in Dutch, on the page.
    await page.select("#gemeente", EIGEN);
    await page.waitForFunction(() => !document.getElementById("inspecties-melding").hidden);
    assert.match(await page.$eval("#inspecties-melding", (e) => e.textContent), /niet beschikbaar.*niet toegestaan voor de rol kvb/s);
    assert.equal(await page.$("#inspectielijst li"), null);
    const pads = await page.$$eval("#download-knoppen button", (b) => b.map((x) => x.dataset.pad));
    assert.ok(!pads.some((x) => /inspecties/.test(x)), pads.join(" "));
    // A click: the explanation is refused, in Dutch, on the page.
    const box = await page.$eval("#kaart", (e) => e.getBoundingClientRect().toJSON());
    await page.mouse.click(box.left + box.width * 0.5, box.top + box.height * 0.5);
    await page.waitForFunction(() => /Geen uitleg/.test(document.getElementById("uitleg-inhoud").textContent));
    assert.match(await page.$eval("#uitleg-inhoud", (e) => e.textContent), /niet toegestaan voor de rol kvb.*KVB-partner/s);
    const html = await wholePage(page);
    assert.doesNotMatch(html, PAND_ID);
    assert.doesNotMatch(html, INCIDENT_ID);
    assert.ok(!requests.some((u) => /dumpingen\.geojson|leegstand\.geojson|\/api\/panden\//.test(u)));
    assert.deepEqual(unexpected(problems, [/\/inspecties/, /api\/explain/]), []);
    await close();
  });

  test("beheerder: no map data, a Dutch message", async () => {
    const { page, problems, requests, close } = await openAs("be", { doel: null });
    const melding = await page.$eval("#melding", (e) => (e.hidden ? "" : e.textContent));
    assert.match(melding, /beheerder.*geen kaartgegevens/);
    assert.equal(await page.$(".risicolaag"), null);
    assert.ok(!requests.some((u) => /\/tiles\/|\/api\/gemeenten|\/api\/layers\//.test(u)), requests.join("\n"));
    assert.equal(await page.$eval("#gemeente", (e) => e.offsetParent), null, "the municipality picker is shown");
    assert.deepEqual(problems, []);
    await close();
  });

  test("a wrong token: the sign-in form with an error, then a right one", async () => {
    const p = await openPage(chromium.browser, server.url);
    await seedPurpose(p.page, DOEL);
    await p.page.goto(`${server.url}/#token=an.onjuist&gemeente=${EIGEN}`, { waitUntil: "load" });
    await p.page.waitForSelector("#aanmeldformulier #aanmeld-fout:not([hidden])");
    assert.match(await p.page.$eval("#aanmeld-fout", (e) => e.textContent), /Aanmelden mislukt/);
    assert.ok(!p.page.url().includes("token="));
    assert.equal(await p.page.evaluate(() => document.body.dataset.klaar), undefined);
    await p.page.type("#aanmeld-token", project.tokens.an);
    await p.page.click("#aanmeldformulier button");
    assert.equal(await waitForMap(p.page), "ja");
    assert.equal(await p.page.$("#aanmeldformulier"), null);
    // The permalink after the token survived.
    await p.page.waitForSelector("#inspectielijst li");
    assert.equal(await p.page.$eval("#gemeente", (e) => e.value), EIGEN);
    assert.deepEqual(p.problems.filter((x) => !/api\/login|401/.test(x)), []);
    await p.close();
  });

  test("payload stays inert: #token fragment", async () => {
    const payload = encodeURIComponent("<img src=x onerror=window.__xss=1>");
    const p = await openPage(chromium.browser, server.url);
    await p.page.goto(`${server.url}/#token=${payload}&gemeente=${payload}&laag=${payload}`, { waitUntil: "load" });
    await p.page.waitForSelector("#aanmeldformulier #aanmeld-fout:not([hidden])");
    await new Promise((r) => setTimeout(r, 500));
    const r = await p.page.evaluate(() => ({
      xss: window.__xss,
      injected: [...document.querySelectorAll("img")].some((i) => i.getAttribute("src") === "x"),
      fout: document.getElementById("aanmeld-fout").textContent,
    }));
    assert.equal(r.xss, undefined);
    assert.equal(r.injected, false);
    assert.match(r.fout, /Aanmelden mislukt/);
    assert.deepEqual(p.problems.filter((x) => !/api\/login|401/.test(x)), []);
    await p.close();
  });
});
