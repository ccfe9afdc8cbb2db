// buitenzicht web map: risk tiles, outlines, legend, explanation on click,
// and the inspection list per municipality.
"use strict";

const kaart = L.map("kaart", { zoomSnap: 0.5, minZoom: 7, maxZoom: 18 });
const el = (id) => document.getElementById(id);
let klikMarker = null;
let inspectieLaag = null;

async function haal(url) {
  const r = await fetch(url, { headers: aanmelding.headers(), credentials: "same-origin" });
  if (!r.ok) {
    let melding = r.statusText;
    try { melding = (await r.json()).error || melding; } catch (_) { /* geen JSON */ }
    throw new Error(melding);
  }
  return r.json();
}

function tekst(s) {
  const d = document.createElement("div");
  d.textContent = s == null ? "" : String(s);
  return d.innerHTML;
}

const nl = (v, d = 1) => Number(v).toLocaleString("nl-NL", { minimumFractionDigits: d, maximumFractionDigits: d });

async function start() {
  const cfg = await haal("/api/config");
  el("projectnaam").textContent = cfg.naam;
  el("peildatum").textContent = `Peildatum ${cfg.peildatum} · cellen van ${cfg.celgrootte_m} m`;
  const [w, s, e, n] = cfg.bounds;
  kaart.fitBounds([[s, w], [n, e]]);

  if (cfg.basemap_url) {
    L.tileLayer(cfg.basemap_url, { attribution: cfg.basemap_attribution || "", maxZoom: 19 }).addTo(kaart);
  }
  // The risk and each indicator as switchable layers; the version in the
  // URL lets the browser cache tiles until the model is rescored.
  const lagen = {};
  for (const laag of cfg.lagen) {
    // Leaflet's layer control puts names in as HTML.
    lagen[tekst(laag.naam)] = L.tileLayer(`/tiles/${laag.id}/{z}/{x}/{y}.png?v=${cfg.versie}`, {
      opacity: 0.85, maxZoom: 18, attribution: "buitenzicht", bounds: [[s, w], [n, e]],
    });
  }
  // ?pmtiles=URL shows a tile archive written by `buitenzicht export tiles`
  // (from this server or any static file server with range requests).
  const archief = new URLSearchParams(location.search).get("pmtiles");
  if (archief) {
    const bron = new pmtiles.PMTiles(archief);
    lagen[`Archief: ${tekst(archief.split("/").pop())}`] = pmtiles.leafletRasterLayer(bron, {
      opacity: 0.85, maxZoom: 18, attribution: "buitenzicht",
    });
  }
  const eerste = archief ? Object.values(lagen).pop() : Object.values(lagen)[0];
  eerste.addTo(kaart);
  L.control.layers(lagen, null, { collapsed: false, position: "topright" }).addTo(kaart);

  const kom = await haal("/api/layers/bebouwde_kom.geojson");
  L.geoJSON(kom, {
    style: { color: "#6d6d66", weight: 1, fillColor: "#c9c9c1", fillOpacity: 0.75 },
    onEachFeature: (f, laag) => f.properties.naam && laag.bindTooltip(tekst(f.properties.naam)),
  }).addTo(kaart);

  const gemeenten = await haal("/api/layers/gemeenten.geojson");
  L.geoJSON(gemeenten, {
    style: { color: "#222", weight: 2, fill: false },
    interactive: false,
    onEachFeature: (f, laag) => laag.bindTooltip(tekst(f.properties.statnaam), {
      permanent: true, direction: "center", className: "gemeentelabel",
    }),
  }).addTo(kaart);

  await legenda();
  await gemeentekiezer();
  kaart.on("click", (ev) => verklaar(ev.latlng.lat, ev.latlng.lng));
}

async function legenda() {
  const l = await haal("/api/legend");
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => {
    const div = L.DomUtil.create("div", "legenda");
    const verloop = l.stops.map((s) => `${s.kleur} ${s.risico}%`).join(", ");
    div.innerHTML = `<strong>${tekst(l.titel)}</strong>
      <div class="verloop" style="background: linear-gradient(to right, ${verloop})"></div>
      <div class="schaal"><span>0 laag</span><span>50</span><span>100 hoog</span></div>
      <div style="margin-top:6px"><span class="kom"></span> bebouwde kom (geen risico berekend)</div>`;
    return div;
  };
  control.addTo(kaart);
}

async function gemeentekiezer() {
  const lijst = await haal("/api/gemeenten");
  const select = el("gemeente");
  for (const g of lijst) {
    const o = document.createElement("option");
    o.value = g.statcode;
    o.textContent = g.aantal_inspecties == null
      ? `${g.statnaam} (${g.statcode})`
      : `${g.statnaam} (${g.statcode}) – ${g.aantal_inspecties} panden`;
    o.dataset.bbox = JSON.stringify(g.bbox);
    select.appendChild(o);
  }
  select.addEventListener("change", async () => {
    const code = select.value;
    if (!code) { el("inspecties").hidden = true; return; }
    const [w, s, e, n] = JSON.parse(select.selectedOptions[0].dataset.bbox);
    kaart.fitBounds([[s, w], [n, e]]);
    await inspecties(code);
  });
}

async function inspecties(code) {
  const data = await haal(`/api/gemeenten/${encodeURIComponent(code)}/inspecties`);
  const ol = el("inspectielijst");
  ol.innerHTML = "";
  if (inspectieLaag) inspectieLaag.remove();
  inspectieLaag = L.layerGroup().addTo(kaart);
  el("inspecties-aantal").textContent = `${data.statnaam}: ${data.inspecties.length} panden`;
  for (const i of data.inspecties) {
    const li = document.createElement("li");
    li.innerHTML = `<span class="rang">${i.rang}.</span>
      <span><strong>${tekst(i.identificatie)}</strong><br>
      <span class="klein">${tekst(i.leegstand)} · ${nl(i.oppervlakte_m2, 0)} m² · ${tekst(i.belangrijkste.join(", ") || "–")}</span></span>
      <span class="score">${nl(i.risico)}</span>`;
    L.circleMarker([i.lat, i.lon], {
      radius: i.rang <= 10 ? 6 : 4, color: "#0b5cad", weight: 2, fillColor: "#fff", fillOpacity: 0.9,
    }).bindTooltip(`${i.rang}. ${tekst(i.identificatie)} – risico ${nl(i.risico)}`)
      .on("click", () => li.click())
      .addTo(inspectieLaag);
    li.addEventListener("click", () => {
      for (const x of ol.children) x.classList.remove("actief");
      li.classList.add("actief");
      kaart.setView([i.lat, i.lon], 15);
      verklaar(i.lat, i.lon);
    });
    ol.appendChild(li);
  }
  el("inspecties").hidden = false;
}

async function verklaar(lat, lon) {
  if (klikMarker) klikMarker.remove();
  klikMarker = L.circleMarker([lat, lon], { radius: 7, color: "#0b5cad", weight: 3, fill: false }).addTo(kaart);
  const vak = el("uitleg-inhoud");
  el("uitleg").hidden = false;
  vak.textContent = "Laden…";
  let u;
  try {
    u = await haal(`/api/explain?lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}`);
  } catch (err) {
    vak.textContent = `Fout: ${err.message}`;
    return;
  }
  const waar = u.gemeente ? `${tekst(u.gemeente.statnaam)} (${tekst(u.gemeente.statcode)}), ${tekst(u.gebied)}` : tekst(u.gebied);
  if (u.risico == null) {
    vak.innerHTML = `<p>${waar}</p><p>${tekst(u.samenvatting.join(" "))}</p>`;
    klikMarker.bindPopup(`<strong>Geen risico berekend</strong><br>${waar}`).openPopup();
    return;
  }
  const regels = u.indicatoren.map((i) => `
    <div class="indicator">
      <div class="kop"><span>${tekst(i.label)}</span><span>+${nl(i.bijdrage)}</span></div>
      <div class="balk"><span style="width:${Math.round(100 * i.waarde)}%"></span></div>
      <div class="klein">${tekst(i.uitleg)}</div>
    </div>`).join("");
  vak.innerHTML = `<p>${waar}</p>
    <div class="risico-groot">${nl(u.risico)} <span class="klein">/ 100</span></div>${regels}`;
  const kort = u.samenvatting.length ? u.samenvatting.map(tekst).join("<br>") : "Geen opvallende signalen.";
  klikMarker.bindPopup(`<strong>Risico ${nl(u.risico)}</strong><br>${kort}`, { maxWidth: 320 }).openPopup();
}

aanmelding.klaar().then(start).catch((err) => {
  el("hulp").textContent = `De kaart kon niet laden: ${err.message}`;
});
