// The inspection list of a municipality: filter, sort, keyboard access,
// and numbered markers on the map.
import * as f from "./format.js";
import { GRONDSLAG, tekst } from "./uitleg.js";

const el = (id) => document.getElementById(id);

const SIGNALEN = { leegstand: "leegstand", dumpingen: "dumpingen", riool: "rioolwater", satelliet: "satelliet" };

/**
 * Shows `data` (from `/api/gemeenten/{code}/inspecties`) in the list and as
 * markers in `laag`; `kies(item)` opens an item's explanation.
 */
export class Inspectielijst {
  constructor(laag, kies) {
    this.laag = laag;
    this.kies = kies;
    this.data = null;
    this.markers = new Map();
    for (const id of ["filter-leegstand", "filter-signaal", "sorteer"]) {
      el(id).addEventListener("change", () => this.toon());
    }
  }

  zet(data) {
    this.data = data;
    const grondslag = GRONDSLAG[data.rangschikking] || GRONDSLAG.gewichten;
    el("inspecties-grondslag").textContent = grondslag.lijst;
    el("score-verschil").textContent = grondslag.verschil;
    this.toon();
  }

  leeg() {
    this.data = null;
    this.laag.clearLayers();
    this.markers.clear();
    el("inspectielijst").replaceChildren();
  }

  /** The items that pass the filters, in the chosen order. */
  items() {
    if (!this.data) return [];
    const leeg = el("filter-leegstand").value;
    const signaal = el("filter-signaal").value;
    const items = this.data.inspecties.filter((i) =>
      (!leeg || i.leegstand === leeg) && (!signaal || (i.belangrijkste || []).includes(signaal)));
    if (el("sorteer").value === "oppervlakte") items.sort((a, b) => b.oppervlakte_m2 - a.oppervlakte_m2 || a.rang - b.rang);
    else items.sort((a, b) => a.rang - b.rang);
    return items;
  }

  toon() {
    const ol = el("inspectielijst");
    ol.replaceChildren();
    this.laag.clearLayers();
    this.markers.clear();
    if (!this.data) return;
    const items = this.items();
    const totaal = this.data.inspecties.length;
    el("inspecties-aantal").textContent = items.length === totaal
      ? `${this.data.statnaam}: ${f.aantal(totaal, "pand", "panden")}`
      : `${this.data.statnaam}: ${f.getal(items.length)} van ${f.aantal(totaal, "pand", "panden")}`;
    for (const i of items) {
      const li = document.createElement("li");
      li.tabIndex = 0;
      li.dataset.id = i.identificatie;
      li.setAttribute("role", "button");
      const signalen = (i.belangrijkste || []).map((s) => SIGNALEN[s] || s).join(", ") || "geen signaal";
      li.setAttribute("aria-label", `${i.rang}. pand ${i.identificatie}, risico ${f.risico(i.risico)}, ${f.leegstand(i.leegstand)}`);
      li.innerHTML = `<span class="rang">${f.getal(i.rang)}.</span>
        <span><strong>${tekst(i.identificatie)}</strong><br>
        <span class="klein">${tekst(f.leegstand(i.leegstand))} · ${f.oppervlakte(i.oppervlakte_m2)} · ${tekst(signalen)}</span></span>
        <span class="score">${f.risico(i.risico)}</span>`;
      li.addEventListener("click", () => this.kies(i));
      li.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); this.kies(i); }
      });
      ol.appendChild(li);
      const marker = L.marker([i.lat, i.lon], {
        icon: L.divIcon({ className: "rangnummer", html: String(i.rang), iconSize: [Math.max(22, 8 + 7 * String(i.rang).length), 22] }),
        title: `${i.rang}. pand ${i.identificatie} – risico ${f.risico(i.risico)}`,
        alt: `Pand ${i.identificatie}`,
        riseOnHover: true,
      }).on("click", () => this.kies(i));
      marker.addTo(this.laag);
      this.markers.set(i.identificatie, marker);
    }
  }

  /** Marks `id` as the chosen item in the list and on the map. */
  markeer(id) {
    for (const li of el("inspectielijst").children) li.classList.toggle("actief", li.dataset.id === id);
    for (const [k, m] of this.markers) m.getElement()?.classList.toggle("actief", k === id);
  }

  vind(id) {
    return this.data?.inspecties.find((i) => i.identificatie === id) || null;
  }
}
