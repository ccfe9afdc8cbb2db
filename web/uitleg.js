// The explanation of a point, from `GET /api/explain`, as Dutch text with
// the evidence behind each indicator. Every value from the server passes
// through `tekst` or a number format before it reaches the page.
import * as f from "./format.js";

/** `s` escaped for HTML. */
export function tekst(s) {
  const d = document.createElement("div");
  d.textContent = s == null ? "" : String(s);
  return d.innerHTML;
}

const MAX_REGELS = 8;

function lijst(regels) {
  if (!regels.length) return "";
  const meer = regels.length > MAX_REGELS ? `<li>en nog ${f.getal(regels.length - MAX_REGELS)}</li>` : "";
  return `<ul class="klein">${regels.slice(0, MAX_REGELS).map((r) => `<li>${r}</li>`).join("")}${meer}</ul>`;
}

function dagenVoor(iso, peildatum) {
  return (Date.parse(peildatum) - Date.parse(iso)) / 86_400_000;
}

/**
 * By `rangschikking` of an inspection list: what it is ranked by (`lijst`),
 * how its score differs from a cell's (`verschil`), and what a building's
 * score in it is (`pand`).
 */
export const GRONDSLAG = {
  pandenmodel: {
    lijst: "Alle panden in het buitengebied, gerangschikt volgens het pandenmodel: de verwachte dumpingen vanuit het pand, naar zijn kenmerken en signalen (100 = het pand met de hoogste score in de regio).",
    verschil: "De score in de lijst is die van het pand in het pandenmodel. Een klik in de kaart geeft het risico op dumpingen in die ene cel van 25 m: een andere vraag, en dus een ander getal.",
    pand: "de verwachte dumpingen vanuit het pand in het pandenmodel. Hier staat het risico op dumpingen in de ene cel onder het midden van het pand.",
  },
  kenmerken: {
    lijst: "Alle panden in het buitengebied, gerangschikt op hun kenmerken en signalen, elk even zwaar: er is te weinig geschiedenis om het pandenmodel te schatten (100 = het pand met de hoogste score in de regio).",
    verschil: "De score in de lijst is die van het pand naar zijn kenmerken. Een klik in de kaart geeft het risico op dumpingen in die ene cel van 25 m: een andere vraag, en dus een ander getal.",
    pand: "de score naar zijn kenmerken en signalen, elk even zwaar. Hier staat het risico op dumpingen in de ene cel onder het midden van het pand.",
  },
  gewichten: {
    lijst: "(Vermoedelijk) leegstaande schuren in het buitengebied, gerangschikt op risico.",
    verschil: "De score in de lijst is die van het pand: het hoogste risico over de cellen van zijn footprint. Een klik in de kaart geeft de score van die ene cel van 25 m, die daarom lager kan zijn.",
    pand: "het hoogste risico over de cellen van zijn footprint. Hier staat de score van de ene cel onder het midden van het pand.",
  },
};

/** Sentence and evidence lines for one indicator. */
function indicatorTekst(i, peildatum) {
  const k = i.kenmerken || [];
  switch (i.key) {
    case "leegstand": {
      const panden = k.filter((x) => x.soort === "pand");
      // Buildings of another municipality than the user's: a count only.
      const elders = (k.find((x) => x.soort === "panden_elders") || { aantal: 0 }).aantal;
      const buiten = elders ? [`${f.aantal(elders, "schuur", "schuren")} buiten uw gemeente (niet getoond)`] : [];
      if (!panden.length) return { zin: tekst(i.uitleg), regels: buiten };
      const p = panden[0];
      const status = p.leegstand === "bevestigd" ? "leegstaande" : "vermoedelijk leegstaande";
      const meer = panden.length - 1 + elders;
      const rest = meer > 0 ? `; nog ${f.aantal(meer, "schuur", "schuren")} in de buurt` : "";
      return {
        zin: `${status} schuur van ${f.oppervlakte(p.oppervlakte_m2)} op ${f.afstand(p.afstand_m)}${rest}`,
        regels: panden.map((x) => `pand ${tekst(x.identificatie)}: ${f.leegstand(x.leegstand)}, ${f.oppervlakte(x.oppervlakte_m2)}, op ${f.afstand(x.afstand_m)}`).concat(buiten),
      };
    }
    case "dumpingen": {
      const d = k.filter((x) => x.soort === "dumping");
      // Dumpings in another municipality than the user's: a count only.
      const elders = (k.find((x) => x.soort === "dumpingen_elders") || { aantal: 0 }).aantal;
      const buiten = elders ? [`${f.aantal(elders, "dumping", "dumpingen")} buiten uw gemeente (niet getoond)`] : [];
      if (!d.length) return { zin: tekst(i.uitleg), regels: buiten };
      const jaar = d.filter((x) => dagenVoor(x.datum, peildatum) <= 365).length;
      const rest = elders ? `; nog ${f.getal(elders)} buiten uw gemeente` : "";
      return {
        zin: `${f.aantal(d.length, "dumping", "dumpingen")} in de buurt, waarvan ${f.getal(jaar)} in het afgelopen jaar; meest recent op ${f.datum(d[0].datum)}, op ${f.afstand(d[0].afstand_m)}${rest}`,
        regels: d.map((x) => {
          const wat = [x.dumpingwijze, x.volume_l != null ? `${f.getal(x.volume_l)} l` : null, x.productietype].filter(Boolean).map(tekst).join(", ");
          const id = x.incident_id ? ` (incident ${tekst(x.incident_id)})` : "";
          return `${f.datum(x.datum)}, op ${f.afstand(x.afstand_m)}${wat ? `: ${wat}` : ""}${id}`;
        }).concat(buiten),
      };
    }
    case "riool": {
      const p = k.filter((x) => x.soort === "rioolpiek");
      if (!p.length) return { zin: tekst(i.uitleg), regels: [] };
      const stoffen = [...new Set(p.map((x) => x.stof))].sort().map(tekst).join(", ");
      const max = Math.max(...p.map((x) => x.ratio));
      return {
        zin: `${f.aantal(p.length, "piek", "pieken")} (${stoffen}) bij ${tekst(p[0].rwzi_naam)}, tot ${f.getal(max, 0)}× het eigen basisniveau`,
        regels: p.map((x) => `${f.datum(x.datum)}: ${tekst(x.stof)}, ${f.getal(x.ratio, 1)}× het basisniveau${x.racemisch ? " (racemisch: niet geconsumeerd)" : ""}`),
      };
    }
    case "satelliet": {
      const s = k.find((x) => x.soort === "satelliet");
      if (!s) return { zin: tekst(i.uitleg), regels: [] };
      return {
        zin: `temperatuuranomalie van ${f.temperatuur(s.anomalie_c)}`,
        regels: (s.tegels || []).map((t) => `tegel ${tekst(t)}`),
      };
    }
    default:
      return { zin: tekst(i.uitleg), regels: [] };
  }
}

/**
 * HTML for the side panel and the popup. `pand` is the list item the
 * explanation was opened from, if any.
 */
export function uitlegHtml(u, pand, rangschikking) {
  const waar = u.gemeente ? `${tekst(u.gemeente.statnaam)} (${tekst(u.gemeente.statcode)}), ${tekst(u.gebied)}` : tekst(u.gebied);
  if (u.risico == null) {
    return {
      paneel: `<p>${waar}</p><p>${tekst(u.samenvatting.join(" ")) || "Hier is geen risico berekend."}</p>`,
      popup: `<strong>Geen risico berekend</strong><br>${waar}`,
    };
  }
  const delen = u.indicatoren.map((i) => {
    const t = indicatorTekst(i, u.peildatum);
    // The building model's part is more than the indicator: say so first.
    return { i, ...t, zin: i.toelichting ? `${tekst(i.toelichting)}; ${t.zin}` : t.zin };
  });
  const regels = delen.map(({ i, zin, regels: bewijs }) => `
    <div class="indicator">
      <div class="kop"><span>${tekst(i.label)}</span><span>${f.metTeken(i.bijdrage)}</span></div>
      <div class="balk"><span data-breedte="${Math.round(100 * Math.max(0, Math.min(1, i.waarde)))}"></span></div>
      <div class="klein">${zin}</div>${lijst(bewijs)}
    </div>`).join("");
  const verschil = pand && Math.abs(pand.risico - u.risico) >= 0.05
    ? `<p class="klein">In de inspectielijst heeft pand ${tekst(pand.identificatie)} ${f.risico(pand.risico)}: ${(GRONDSLAG[rangschikking] || GRONDSLAG.gewichten).pand}</p>`
    : "";
  const kort = delen.filter(({ i }) => i.bijdrage >= 0.5).map(({ i, zin }) => `${tekst(i.label)} (${f.metTeken(i.bijdrage)}): ${zin}`);
  return {
    paneel: `<p>${waar}</p>
      <div class="risico-groot">${f.risico(u.risico)} <span class="klein">/ 100 · ${f.klasse(u.risico)}</span></div>
      <p class="klein">Peildatum ${f.datum(u.peildatum)}</p>${verschil}${regels}`,
    popup: `<strong>Risico ${f.risico(u.risico)} (${f.klasse(u.risico)})</strong><br>${kort.length ? kort.join("<br>") : "Geen opvallende signalen."}`,
  };
}

/** Applies the bar widths of an explanation (set through the CSSOM, as a
 * CSP may forbid inline styles). */
export function pasBalkenToe(root) {
  for (const b of root.querySelectorAll("[data-breedte]")) b.style.width = `${b.dataset.breedte}%`;
}
