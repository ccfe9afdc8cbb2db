// buitenzicht web map: risk and indicator tiles, overlays with the
// evidence, legend, search, explanation on click, the inspection list per
// municipality, downloads and a permalink.
import { api, download } from "./api.js";
import * as f from "./format.js";
import { leesPermalink, schrijfPermalink } from "./permalink.js";
import { zoek } from "./zoeken.js";
import { pasBalkenToe, tekst, uitlegHtml } from "./uitleg.js";
import { Inspectielijst } from "./lijst.js";

const el = (id) => document.getElementById(id);
const smal = window.matchMedia("(max-width: 700px)").matches;

// Whole zoom levels only: tiles then sit on whole pixels (no seams).
const kaart = L.map("kaart", {
  zoomSnap: 1, zoomDelta: 1, minZoom: 7, maxZoom: 19,
  zoomControl: false, attributionControl: false,
});
L.control.zoom({ position: "topleft", zoomInTitle: "Inzoomen", zoomOutTitle: "Uitzoomen" }).addTo(kaart);
L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(kaart);
L.control.attribution({
  position: "bottomright",
  prefix: '<a href="https://leafletjs.com" title="JavaScript-bibliotheek voor interactieve kaarten">Leaflet</a>',
}).addTo(kaart);

const staat = { laag: "risk", gemeente: null, pand: null, punt: null };
const tegellagen = new Map(); // id -> { naam, laag }
const dekking = new Map(); // id -> opacity 0..1
let cfg = null;
let gemeenten = [];
let grenzenData = null;
let klikMarker = null;
let selectieLaag = null;
let legendaStops = [];
const inspectieLaag = L.layerGroup();
const lijst = new Inspectielijst(inspectieLaag, (i) => kiesPand(i));
/** Who is signed in (`/api/me`); the local analyst without sign-in. */
let gebruiker = { rol: "analist", lokaal: true, gemeenten: [] };

/** Whether the user's role may see building-level data at all. */
const pandniveau = () => gebruiker.rol === "analist" || gebruiker.rol === "gemeente";

const ROLNAAM = { analist: "analist", gemeente: "gemeente", kvb: "KVB-partner", beheerder: "beheerder" };

const DOEL_NODIG = "Vul eerst de doelbinding in (een zaaknummer of wettelijke grondslag, bijvoorbeeld RIEC-2026-0142) "
  + "in het veld Doelbinding bovenaan het paneel: zonder doel worden geen gegevens op pandniveau getoond.";

/** Why building-level data cannot be asked for now (no purpose), or "". */
function doelProbleem() {
  if (!pandniveau() || typeof aanmelding === "undefined") return "";
  const fout = aanmelding.doelFout();
  return fout === "leeg" ? DOEL_NODIG : fout;
}

/** A refusal of the server in words for this user. */
function weigering(err) {
  if (err.status === 403 && gebruiker.rol === "kvb") {
    return `${err.message}. Met de rol KVB-partner ziet u het risico in klassen per vierkant, zonder gegevens over panden of incidenten.`;
  }
  if (err.status === 401) return `${err.message}. Meld u opnieuw aan (pagina vernieuwen).`;
  return err.message;
}

function meld(boodschap, soort = "") {
  const m = el("melding");
  m.textContent = boodschap;
  m.dataset.soort = boodschap ? soort : "";
  m.hidden = !boodschap;
}

function bijwerkenPermalink() {
  if (!cfg) return;
  const c = kaart.getCenter();
  schrijfPermalink({ view: { zoom: kaart.getZoom(), lat: c.lat, lon: c.lng }, ...staat });
}

// ---- tile layers ----------------------------------------------------

/**
 * Leaflet keeps the previous zoom level's tiles until the new ones have
 * loaded; with translucent tiles both would show at once. An old tile is
 * hidden as soon as a new tile over it has loaded (its other parts stay
 * empty for the moment the rest takes, rather than doubly coloured).
 */
function verbergBedekteTegels(laag) {
  const z = laag._tileZoom;
  for (const t of Object.values(laag._tiles || {})) {
    const c = t.coords;
    if (c.z === z || t.el.classList.contains("bedekt")) continue;
    let bedekt = false;
    if (c.z < z) {
      const f = 2 ** (z - c.z);
      for (let x = c.x * f; !bedekt && x < (c.x + 1) * f; x++) {
        for (let y = c.y * f; y < (c.y + 1) * f; y++) {
          if (laag._tiles[`${x}:${y}:${z}`]?.loaded) { bedekt = true; break; }
        }
      }
    } else {
      const f = 2 ** (c.z - z);
      bedekt = Boolean(laag._tiles[`${Math.floor(c.x / f)}:${Math.floor(c.y / f)}:${z}`]?.loaded);
    }
    if (bedekt) t.el.classList.add("bedekt");
  }
}

function zonderStapeling(laag) {
  laag.on("tileload tileerror", () => verbergBedekteTegels(laag));
  const naZoom = () => {
    for (const t of Object.values(laag._tiles || {})) if (t.coords.z === laag._tileZoom) t.el.classList.remove("bedekt");
    verbergBedekteTegels(laag);
  };
  laag.on("add", () => kaart.on("zoomend", naZoom));
  laag.on("remove", () => kaart.off("zoomend", naZoom));
  return laag;
}

function tegellaag(id, naam, bounds) {
  const laag = L.tileLayer(`/tiles/${encodeURIComponent(id)}/{z}/{x}/{y}.png?v=${encodeURIComponent(cfg.versie)}`, {
    opacity: dekking.get(id) ?? 0.85, maxZoom: 19, maxNativeZoom: 18, className: "risicolaag",
    updateWhenZooming: false, keepBuffer: 2, bounds, attribution: "buitenzicht",
  });
  zonderStapeling(laag);
  tegellagen.set(id, { naam, laag });
  return laag;
}

/** A tile archive (`?pmtiles=`), over-zoomed above its maximum zoom. */
async function archieflaag(adres) {
  let url;
  try {
    url = new URL(adres, window.location.href);
  } catch (_) {
    throw new Error("dit is geen geldig adres");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("alleen http- en https-adressen");
  const bron = new pmtiles.PMTiles(url.href);
  let kop;
  try {
    kop = await bron.getHeader();
  } catch (e) {
    throw new Error(`geen leesbaar PMTiles-archief (${e.message})`);
  }
  const soort = { 2: "image/png", 3: "image/jpeg", 4: "image/webp", 5: "image/avif" }[kop.tileType];
  if (!soort) throw new Error("het archief bevat geen rastertegels");
  const Laag = L.GridLayer.extend({
    createTile(coords, klaar) {
      const img = document.createElement("img");
      img.alt = "";
      const stop = new AbortController();
      img.stop = stop;
      bron.getZxy(coords.z, coords.x, coords.y, stop.signal).then((t) => {
        if (!t) { img.style.visibility = "hidden"; klaar(null, img); return; }
        const src = URL.createObjectURL(new Blob([t.data], { type: soort }));
        img.onload = () => { URL.revokeObjectURL(src); klaar(null, img); };
        img.onerror = () => { URL.revokeObjectURL(src); klaar(new Error("tegel onleesbaar"), img); };
        img.src = src;
      }).catch((e) => { if (e.name !== "AbortError") klaar(e, img); });
      return img;
    },
    _removeTile(key) {
      this._tiles[key]?.el.stop?.abort();
      L.GridLayer.prototype._removeTile.call(this, key);
    },
  });
  const naam = url.pathname.split("/").pop() || url.host;
  const id = "archief";
  const laag = new Laag({
    opacity: 0.85, maxZoom: 19, minNativeZoom: kop.minZoom, maxNativeZoom: kop.maxZoom,
    className: "risicolaag", updateWhenZooming: false, keepBuffer: 2, attribution: "buitenzicht",
    bounds: [[kop.minLat, kop.minLon], [kop.maxLat, kop.maxLon]],
  });
  zonderStapeling(laag);
  tegellagen.set(id, { naam: `Archief: ${naam}`, laag });
  return id;
}

function huidigeTegellaag() {
  return tegellagen.get(staat.laag)?.laag;
}

function zetDekking(waarde) {
  const t = tegellagen.get(staat.laag);
  if (!t) return;
  dekking.set(staat.laag, waarde);
  t.laag.setOpacity(waarde);
}

// ---- legend ----------------------------------------------------------

const KLASSEN = [["laag", 0, 20, "< 20"], ["verhoogd", 20, 40, "20 – 40"], ["hoog", 40, 60, "40 – 60"], ["zeer hoog", 60, 100, "≥ 60"]];

function kleurBij(r) {
  let best = legendaStops[0];
  for (const s of legendaStops) if (Math.abs(s.risico - r) < Math.abs(best.risico - r)) best = s;
  return best?.kleur || "#000";
}

const legenda = L.control({ position: "bottomright" });
legenda.onAdd = () => L.DomUtil.create("div", "legenda");

function tekenLegenda() {
  const div = legenda.getContainer();
  if (!div) return;
  const isRisico = staat.laag === "risk" || staat.laag === "archief";
  const naam = tegellagen.get(staat.laag)?.naam || "Risico";
  const verloop = legendaStops.map((s) => `${s.kleur} ${s.risico}%`).join(", ");
  const ticks = isRisico ? [0, 20, 40, 60, 80, 100] : [0, 50, 100];
  const schaal = ticks.map((t) => `<span data-links="${t}">${isRisico ? f.getal(t) : `${f.getal(t)} %`}</span>`).join("");
  const klassen = isRisico
    ? `<div class="klassen">${KLASSEN.map(([k, lo, hi, bereik]) => `<span class="vlak" data-kleur="${kleurBij((lo + hi) / 2)}"></span><span>${k} (${bereik})</span>`).join("")}</div>`
    : '<div class="klein">aandeel van de grootste bijdrage van deze indicator</div>';
  const overlays = [];
  if (kaart.hasLayer(overlayLagen.kom)) overlays.push('<span class="vlak kom"></span> bebouwde kom (geen risico berekend)');
  if (kaart.hasLayer(inspectieLaag) && lijst.data) overlays.push('<span class="punt schuur"></span> pand op de inspectielijst (rangnummer)');
  if (kaart.hasLayer(overlayLagen.dumpingen)) overlays.push('<span class="punt dumping"></span> dumping');
  if (kaart.hasLayer(overlayLagen.leegstand)) overlays.push('<span class="punt leeg"></span> leegstaand pand');
  if (kaart.hasLayer(overlayLagen.rwzi)) overlays.push('<span class="vlak riool"></span> rioolgebied, donkerder = sterker signaal');
  if (kaart.hasLayer(overlayLagen.satelliet)) overlays.push('<span class="vlak satelliet"></span> satelliettegel');
  div.innerHTML = `<strong>${tekst(naam)}</strong>
    <div class="verloop"></div>
    <div class="schaal">${schaal}</div>${klassen}
    ${overlays.map((o) => `<div class="overlay">${o}</div>`).join("")}`;
  // Styles through the CSSOM, not in the markup (a CSP may forbid inline styles).
  div.querySelector(".verloop").style.background = `linear-gradient(to right, ${verloop})`;
  for (const t of div.querySelectorAll("[data-links]")) t.style.left = `${t.dataset.links}%`;
  for (const v of div.querySelectorAll("[data-kleur]")) v.style.background = v.dataset.kleur;
}

// ---- overlays with the evidence -------------------------------------

/** Building-level layers, loaded again once a purpose is given. */
const pandLagen = [];

/**
 * A layer group filled from `pad` the first time it is switched on.
 * With `{ doel: true }` it holds building-level data: without a stated
 * purpose it stays empty and says why.
 */
function lazyLaag(pad, maak, { doel = false } = {}) {
  const groep = L.layerGroup();
  let geladen = false;
  const laad = async () => {
    if (geladen || !kaart.hasLayer(groep)) return;
    const probleem = doel ? doelProbleem() : "";
    if (probleem) {
      meld(probleem, "doel");
      return;
    }
    geladen = true;
    try {
      maak(await api(pad)).addTo(groep);
    } catch (e) {
      geladen = false;
      meld(`Laag kon niet laden: ${weigering(e)}`);
    }
    tekenLegenda();
  };
  groep.on("add", laad);
  if (doel) pandLagen.push(laad);
  return groep;
}

const overlayLagen = {
  grenzen: L.layerGroup(),
  kom: L.layerGroup(),
  dumpingen: lazyLaag("/api/layers/dumpingen.geojson", (d) => L.geoJSON(d, {
    pointToLayer: (_, ll) => L.circleMarker(ll, { radius: 5, color: "#7a0c00", weight: 1.5, fillColor: "#e8452c", fillOpacity: 0.9 }),
    onEachFeature: (ft, l) => {
      const p = ft.properties;
      const wat = [p.dumpingwijze, p.volume_l != null ? `${f.getal(p.volume_l)} l` : null, p.productietype].filter(Boolean).map(tekst).join(", ");
      l.bindTooltip(`Dumping ${f.datum(p.datum)}${wat ? `<br>${wat}` : ""}${p.incident_id ? `<br>incident ${tekst(p.incident_id)}` : ""}`);
    },
  }), { doel: true }),
  leegstand: lazyLaag("/api/layers/leegstand.geojson", (d) => L.geoJSON(d, {
    pointToLayer: (_, ll) => L.circleMarker(ll, { radius: 4, color: "#4b2a7b", weight: 1, fillColor: "#b49be0", fillOpacity: 0.9 }),
    onEachFeature: (ft, l) => {
      const p = ft.properties;
      l.bindTooltip(`Pand ${tekst(p.identificatie)}<br>${tekst(f.leegstand(p.leegstand))}${p.leegstand_datum ? ` sinds ${f.datum(p.leegstand_datum)}` : ""}, ${f.oppervlakte(p.oppervlakte_m2)}`);
    },
  }), { doel: true }),
  rwzi: lazyLaag("/api/layers/rwzi.geojson", (d) => L.geoJSON(d, {
    style: (ft) => ({ color: "#1d5a8c", weight: 1.5, fillColor: "#2b7bb9", fillOpacity: 0.08 + 0.5 * ft.properties.signaal }),
    onEachFeature: (ft, l) => {
      const p = ft.properties;
      const pieken = p.pieken.slice(0, 5).map((x) => `${f.datum(x.datum)}: ${tekst(x.stof)} ${f.getal(x.ratio, 1)}×`).join("<br>");
      l.bindTooltip(`<strong>${tekst(p.rwzi_naam)}</strong><br>signaal ${f.getal(100 * p.signaal, 0)} %, ${f.aantal(p.pieken.length, "piek", "pieken")}${pieken ? `<br>${pieken}` : ""}`, { sticky: true });
    },
  })),
  satelliet: lazyLaag("/api/layers/satelliet.geojson", (d) => L.geoJSON(d, {
    style: { color: "#2a7a2a", weight: 2, dashArray: "6 4", fill: false },
    onEachFeature: (ft, l) => l.bindTooltip(`${tekst(ft.properties.naam)}<br>opname ${f.datum(ft.properties.datum)}`, { sticky: true }),
  })),
};

// ---- municipalities and the inspection list -------------------------

function toonSelectie() {
  if (selectieLaag) selectieLaag.remove();
  selectieLaag = null;
  if (!staat.gemeente || !grenzenData) return;
  const ft = grenzenData.features.filter((x) => x.properties.statcode === staat.gemeente);
  selectieLaag = L.geoJSON({ type: "FeatureCollection", features: ft }, {
    style: { color: "#0b5cad", weight: 4, fillColor: "#0b5cad", fillOpacity: 0.04 }, interactive: false,
  }).addTo(kaart);
}

function toonDownloads() {
  const vak = el("download-knoppen");
  vak.replaceChildren();
  const knop = (label, pad, naam, { doel = false } = {}) => {
    // Building-level files only for the roles that may have them.
    if (doel && !pandniveau()) return;
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.pad = pad;
    b.dataset.naam = naam;
    b.addEventListener("click", async () => {
      const probleem = doel ? doelProbleem() : "";
      if (probleem) { meld(probleem, "doel"); return; }
      try { await download(pad, naam); } catch (e) { meld(`Download mislukt: ${weigering(e)}`); }
    });
    vak.appendChild(b);
  };
  const g = staat.gemeente;
  if (g) {
    const c = encodeURIComponent(g);
    knop("Risico per vierkant (GeoJSON)", `/api/export.geojson?gemeente=${c}`, `${g}-risico-vierkanten.geojson`);
    knop("Inspectielijst (CSV)", `/api/gemeenten/${c}/inspecties.csv`, `${g}-inspecties.csv`, { doel: true });
    knop("Inspectielijst (GeoJSON)", `/api/gemeenten/${c}/inspecties.geojson`, `${g}-inspecties.geojson`, { doel: true });
    knop("Risico (GeoTIFF)", `/api/gemeenten/${c}/risico.tif`, `${g}-risico.tif`);
    knop("QGIS-stijl (.qml)", `/api/gemeenten/${c}/risico.qml`, `${g}-risico.qml`);
  } else {
    knop("Risico per vierkant (GeoJSON)", "/api/export.geojson", "buitenzicht-risico-vierkanten.geojson");
  }
  el("downloads").hidden = false;
}

async function kiesGemeente(code, { zoom = true } = {}) {
  const g = gemeenten.find((x) => x.statcode === code) || null;
  staat.gemeente = g ? g.statcode : null;
  el("gemeente").value = staat.gemeente || "";
  toonSelectie();
  toonDownloads();
  if (!g) {
    lijst.leeg();
    lijstMelding("");
    el("inspecties").hidden = true;
    tekenLegenda();
    bijwerkenPermalink();
    return;
  }
  if (zoom && g.bbox) {
    const [w, s, e, n] = g.bbox;
    kaart.fitBounds([[s, w], [n, e]]);
  }
  await laadLijst();
  tekenLegenda();
  bijwerkenPermalink();
}

/** A message in the list's place (or none). */
function lijstMelding(boodschap) {
  const m = el("inspecties-melding");
  m.textContent = boodschap;
  m.hidden = !boodschap;
  el("inspecties").dataset.beschikbaar = boodschap ? "nee" : "ja";
  if (boodschap) el("inspecties-aantal").textContent = "";
}

/** Loads the chosen municipality's inspection list, or says why not. */
async function laadLijst() {
  const code = staat.gemeente;
  if (!code) return;
  el("inspecties").hidden = false;
  const probleem = doelProbleem();
  if (probleem) {
    lijst.leeg();
    lijstMelding(probleem);
    return;
  }
  let data;
  try {
    data = await api(`/api/gemeenten/${encodeURIComponent(code)}/inspecties`);
  } catch (e) {
    if (staat.gemeente !== code) return;
    lijst.leeg();
    lijstMelding(`De inspectielijst is niet beschikbaar: ${weigering(e)}`);
    return;
  }
  if (staat.gemeente !== code) return; // another municipality was chosen meanwhile
  lijstMelding("");
  lijst.zet(data);
  if (staat.pand) lijst.markeer(staat.pand);
}

/** The purpose was entered or changed: load what needs it. */
let laatsteDoel = null;
async function doelGewijzigd() {
  const doel = typeof aanmelding === "undefined" ? "" : aanmelding.doel();
  if (doel === laatsteDoel) return;
  laatsteDoel = doel;
  if (el("melding").dataset.soort === "doel") meld("");
  const fout = doelProbleem();
  if (fout && fout !== DOEL_NODIG) meld(fout, "doel");
  for (const laad of pandLagen) laad();
  if (staat.gemeente) await laadLijst();
  tekenLegenda();
  if (staat.pand && lijst.vind(staat.pand)) await kiesPand(lijst.vind(staat.pand), { zoom: false });
  else if (staat.punt) await verklaar(staat.punt.lat, staat.punt.lon);
}

async function kiesPand(i, { zoom = true } = {}) {
  staat.pand = i.identificatie;
  staat.punt = null;
  lijst.markeer(i.identificatie);
  if (zoom) kaart.setView([i.lat, i.lon], Math.max(kaart.getZoom(), 15));
  await verklaar(i.lat, i.lon, i);
  bijwerkenPermalink();
}

// ---- explanation -----------------------------------------------------

async function verklaar(lat, lon, pand = null) {
  if (!pand) {
    staat.pand = null;
    staat.punt = { lat, lon };
    lijst.markeer(null);
  }
  if (klikMarker) klikMarker.remove();
  klikMarker = L.circleMarker([lat, lon], { radius: 7, color: "#0b5cad", weight: 3, fill: false }).addTo(kaart);
  const vak = el("uitleg-inhoud");
  el("uitleg").hidden = false;
  if (smal) openPaneel(true);
  vak.textContent = "Laden…";
  bijwerkenPermalink();
  const marker = klikMarker;
  const weiger = (tekstregel) => {
    vak.textContent = tekstregel;
    marker.bindPopup(`<strong>Geen uitleg</strong><br>${tekst(tekstregel)}`, { maxWidth: 320, autoPanPadding: [20, 20] }).openPopup();
  };
  const probleem = doelProbleem();
  if (probleem) {
    weiger(probleem);
    return;
  }
  let u;
  try {
    u = await api(`/api/explain?lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}`);
  } catch (err) {
    if (marker === klikMarker) weiger(`Geen uitleg voor deze plek: ${weigering(err)}`);
    return;
  }
  if (marker !== klikMarker) return; // a newer click
  const html = uitlegHtml(u, pand, lijst.data?.rangschikking);
  vak.innerHTML = html.paneel;
  pasBalkenToe(vak);
  klikMarker.bindPopup(html.popup, { maxWidth: 320, autoPanPadding: [20, 20] }).openPopup();
}

// ---- search ----------------------------------------------------------

async function zoeken(ev) {
  ev.preventDefault();
  const uit = el("zoek-uitkomst");
  const term = el("zoekterm").value;
  uit.textContent = "Zoeken…";
  try {
    const r = await zoek(term, gemeenten, cfg, { panden: pandniveau() && !doelProbleem() });
    if (!r && /^\d{16}$/.test(term.trim()) && doelProbleem()) { uit.textContent = doelProbleem(); return; }
    if (!r) { uit.textContent = `Niets gevonden. Probeer een gemeente${pandniveau() ? ", een pand-id" : ""} of coördinaten.`; return; }
    if (r.soort === "gemeente") {
      await kiesGemeente(r.statcode);
      uit.textContent = `Gemeente ${gemeenten.find((g) => g.statcode === r.statcode)?.statnaam || r.statcode}`;
    } else if (r.soort === "pand") {
      if (r.gemeente && r.gemeente !== staat.gemeente) await kiesGemeente(r.gemeente, { zoom: false });
      const item = lijst.vind(r.identificatie);
      kaart.setView([r.lat, r.lon], 16);
      if (item) await kiesPand(item, { zoom: false });
      else await verklaar(r.lat, r.lon);
      uit.textContent = `Pand ${r.identificatie}`;
    } else {
      kaart.setView([r.lat, r.lon], Math.max(kaart.getZoom(), 15));
      await verklaar(r.lat, r.lon);
      uit.textContent = `Gevonden: ${r.label}`;
    }
  } catch (e) {
    uit.textContent = `Zoeken mislukt: ${e.message}`;
  }
}

// ---- panel (bottom sheet on phones), print, link ---------------------

function openPaneel(open) {
  const z = el("zijbalk");
  z.dataset.open = open ? "ja" : "nee";
  el("paneel-knop").setAttribute("aria-expanded", String(open));
  el("paneel-knop-tekst").textContent = open ? "Paneel inklappen" : "Paneel uitklappen";
  setTimeout(() => kaart.invalidateSize(), 50);
}

/** Fills the print header: municipality, as-of date, model and purpose. */
function afdrukkop() {
  const g = gemeenten.find((x) => x.statcode === staat.gemeente);
  const doel = el("doel").value.trim() || "niet opgegeven";
  const kop = el("afdruk-kop");
  kop.replaceChildren();
  const regels = [
    ["h1", `${cfg.naam} – inspectielijst${g ? ` ${g.statnaam} (${g.statcode})` : ""}`],
    ["p", `Peildatum ${f.datum(cfg.peildatum)} · model ${cfg.versie} · cellen van ${f.getal(cfg.celgrootte_m)} m`],
    ["p", `Doel van de aanvraag: ${doel}`],
    ["p", `Afgedrukt op ${f.datum(new Date().toISOString().slice(0, 10))}`],
  ];
  for (const [tag, t] of regels) {
    const e = document.createElement(tag);
    e.textContent = t;
    kop.appendChild(e);
  }
}

// ---- start -----------------------------------------------------------

async function start() {
  // Signed in (and the #token= fragment gone) before the first request.
  if (typeof aanmelding !== "undefined") gebruiker = await aanmelding.klaar();
  document.body.dataset.rol = gebruiker.rol;
  if (!["analist", "gemeente", "kvb"].includes(gebruiker.rol)) {
    // The administrator manages users and the audit log, not the map.
    meld(`U bent aangemeld als ${ROLNAAM[gebruiker.rol] || gebruiker.rol}. Deze rol beheert gebruikers en het auditlog `
      + "en ziet geen kaartgegevens. Meld u voor de kaart aan als analist, gemeente of KVB-partner.");
    return;
  }
  const perma = leesPermalink();
  laatsteDoel = typeof aanmelding === "undefined" ? "" : aanmelding.doel();
  const [config, legendaData, lijstGemeenten, kom, grenzen] = await Promise.all([
    api("/api/config"), api("/api/legend"), api("/api/gemeenten"),
    api("/api/layers/bebouwde_kom.geojson"), api("/api/layers/gemeenten.geojson"),
  ]);
  cfg = config;
  gemeenten = lijstGemeenten;
  grenzenData = grenzen;
  legendaStops = legendaData.stops;
  el("projectnaam").textContent = cfg.naam;
  el("peildatum").textContent = `Peildatum ${f.datum(cfg.peildatum)} · cellen van ${f.getal(cfg.celgrootte_m)} m`;
  const [w, s, e, n] = cfg.bounds;
  const bounds = [[s, w], [n, e]];

  let ondergrond = null;
  if (cfg.basemap_url) {
    ondergrond = L.tileLayer(cfg.basemap_url, { attribution: cfg.basemap_attribution || "", maxZoom: 19, className: "ondergrond" }).addTo(kaart);
  }
  const basis = {};
  for (const laag of cfg.lagen) basis[tekst(laag.naam)] = tegellaag(laag.id, laag.naam, bounds);
  const archief = new URLSearchParams(window.location.search).get("pmtiles");
  if (archief) {
    try {
      const id = await archieflaag(archief);
      basis[tekst(tegellagen.get(id).naam)] = tegellagen.get(id).laag;
      staat.laag = id;
    } catch (err) {
      meld(`Het tegelarchief „${archief}” kon niet worden gelezen: ${err.message}. De kaart toont de lagen van de server.`);
    }
  }
  if (perma.laag && tegellagen.has(perma.laag)) staat.laag = perma.laag;
  huidigeTegellaag().addTo(kaart);

  L.geoJSON(kom, {
    style: { color: "#6d6d66", weight: 1, fillColor: "#c9c9c1", fillOpacity: 0.75 },
    onEachFeature: (ft, l) => ft.properties.naam && l.bindTooltip(tekst(ft.properties.naam)),
  }).addTo(overlayLagen.kom);
  L.geoJSON(grenzen, {
    style: { color: "#222", weight: 2, fill: false }, interactive: false,
    onEachFeature: (ft, l) => l.bindTooltip(tekst(ft.properties.statnaam), { permanent: true, direction: "center", className: "gemeentelabel" }),
  }).addTo(overlayLagen.grenzen);
  overlayLagen.kom.addTo(kaart);
  overlayLagen.grenzen.addTo(kaart);
  const overlays = {
    "Gemeentegrenzen": overlayLagen.grenzen,
    "Bebouwde kom": overlayLagen.kom,
  };
  // Building-level overlays only for the roles that may see them.
  if (pandniveau()) {
    inspectieLaag.addTo(kaart);
    overlays["Panden op de inspectielijst"] = inspectieLaag;
    overlays.Dumpingen = overlayLagen.dumpingen;
    overlays["Leegstaande panden"] = overlayLagen.leegstand;
  }
  overlays["Rioolgebieden met signaal"] = overlayLagen.rwzi;
  overlays.Satelliettegels = overlayLagen.satelliet;
  if (ondergrond) overlays.Achtergrondkaart = ondergrond;
  const lagenControl = L.control.layers(basis, overlays, { collapsed: smal, position: "topright" }).addTo(kaart);
  const knop = lagenControl.getContainer().querySelector(".leaflet-control-layers-toggle");
  if (knop) { knop.title = "Lagen"; knop.setAttribute("aria-label", "Lagen"); }
  legenda.addTo(kaart);

  kaart.on("baselayerchange", (ev) => {
    for (const [id, t] of tegellagen) if (t.laag === ev.layer) staat.laag = id;
    el("dekking").value = String(Math.round(100 * (dekking.get(staat.laag) ?? 0.85)));
    el("dekking-laag").textContent = `(${tegellagen.get(staat.laag)?.naam || ""})`;
    tekenLegenda();
    bijwerkenPermalink();
  });
  kaart.on("overlayadd overlayremove", tekenLegenda);
  kaart.on("moveend", bijwerkenPermalink);
  kaart.on("click", (ev) => verklaar(ev.latlng.lat, ev.latlng.lng));
  el("dekking").addEventListener("input", (ev) => zetDekking(Number(ev.target.value) / 100));
  el("dekking-laag").textContent = `(${tegellagen.get(staat.laag)?.naam || ""})`;

  const select = el("gemeente");
  for (const g of gemeenten) {
    const o = document.createElement("option");
    o.value = g.statcode;
    o.textContent = g.aantal_inspecties == null
      ? `${g.statnaam} (${g.statcode})`
      : `${g.statnaam} (${g.statcode}) – ${f.aantal(g.aantal_inspecties, "pand", "panden")}`;
    select.appendChild(o);
  }
  select.addEventListener("change", () => kiesGemeente(select.value).catch((err) => meld(err.message)));
  el("zoeken").addEventListener("submit", zoeken);
  let doelKlok = null;
  el("doel").addEventListener("input", () => {
    clearTimeout(doelKlok);
    doelKlok = setTimeout(() => doelGewijzigd().catch((err) => meld(err.message)), 400);
  });
  el("doel").addEventListener("change", () => {
    clearTimeout(doelKlok);
    doelGewijzigd().catch((err) => meld(err.message));
  });
  if (gebruiker.rol === "kvb") {
    el("hulp").textContent = `Met de rol KVB-partner ziet u het risico in klassen per vierkant van ${f.getal(gebruiker.resolutie_m || 500)} m. `
      + "Inspectielijsten, de uitleg per plek en gegevens over panden of incidenten zijn voor deze rol niet beschikbaar.";
  }
  el("afdrukken").addEventListener("click", () => { afdrukkop(); window.print(); });
  window.addEventListener("beforeprint", afdrukkop);
  el("paneel-knop").addEventListener("click", () => openPaneel(el("zijbalk").dataset.open !== "ja"));
  el("link-kopieren").addEventListener("click", async () => {
    bijwerkenPermalink();
    try {
      await navigator.clipboard.writeText(window.location.href);
      el("link-status").textContent = "Link gekopieerd.";
    } catch (_) {
      el("link-status").textContent = "Kopieer de link uit de adresbalk.";
    }
  });
  if (smal) openPaneel(false);

  // The view: from the permalink, else the study area.
  if (perma.view) kaart.setView([perma.view.lat, perma.view.lon], perma.view.zoom);
  else kaart.fitBounds(bounds);
  toonDownloads();
  if (perma.gemeente && gemeenten.some((g) => g.statcode === perma.gemeente)) {
    await kiesGemeente(perma.gemeente, { zoom: !perma.view });
  } else if (gemeenten.length === 1 && gebruiker.rol === "gemeente") {
    // A municipality's own user starts in its own area.
    await kiesGemeente(gemeenten[0].statcode, { zoom: !perma.view });
  }
  if (perma.pand && lijst.vind(perma.pand)) await kiesPand(lijst.vind(perma.pand), { zoom: !perma.view });
  else if (perma.pand && doelProbleem()) staat.pand = perma.pand; // chosen once the purpose is given
  else if (perma.punt) await verklaar(perma.punt.lat, perma.punt.lon);
  tekenLegenda();
  bijwerkenPermalink();
}

start().then(() => {
  document.body.dataset.klaar = "ja";
}).catch((err) => {
  meld(`De kaart kon niet laden: ${err.message}`);
  document.body.dataset.klaar = "fout";
});
