// Dutch number, date and plural formats (nl-NL through Intl).

const getallen = new Map();

/** A number with `d` decimals: `1.612`, `65,7`. */
export function getal(v, d = 0) {
  if (v == null || !Number.isFinite(Number(v))) return "–";
  let f = getallen.get(d);
  if (!f) {
    f = new Intl.NumberFormat("nl-NL", { minimumFractionDigits: d, maximumFractionDigits: d });
    getallen.set(d, f);
  }
  return f.format(Number(v));
}

/** A signed number: `+6,5`, `−1,2`. */
export function metTeken(v, d = 1) {
  const n = Number(v);
  return `${n < 0 ? "−" : "+"}${getal(Math.abs(n), d)}`;
}

/** A risk score: `65,7`. */
export const risico = (v) => getal(v, 1);

/** An area: `1.612 m²`. */
export const oppervlakte = (m2) => `${getal(m2, 0)} m²`;

/** A distance: `350 m`, `1,2 km`. */
export const afstand = (m) => (m >= 1000 ? `${getal(m / 1000, 1)} km` : `${getal(m, 0)} m`);

/** A temperature difference: `+6,5 °C`. */
export const temperatuur = (c) => `${metTeken(c, 1)} °C`;

const datums = new Intl.DateTimeFormat("nl-NL", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

/** An ISO date (`2026-10-12`) as `12 oktober 2026`. */
export function datum(iso) {
  if (!iso) return "onbekend";
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? String(iso) : datums.format(d);
}

/** `n` with the singular or plural noun: `1 dumping`, `3 dumpingen`. */
export const aantal = (n, enkel, meer) => `${getal(n, 0)} ${n === 1 ? enkel : meer}`;

/** Risk class as in the exports: laag < 20 ≤ verhoogd < 40 ≤ hoog < 60 ≤ zeer hoog. */
export function klasse(r) {
  if (r >= 60) return "zeer hoog";
  if (r >= 40) return "hoog";
  if (r >= 20) return "verhoogd";
  return "laag";
}

/** Vacancy status for people. */
export function leegstand(s) {
  return { bevestigd: "leegstaand", vermoedelijk: "vermoedelijk leegstaand", nee: "in gebruik", onbekend: "onbekend" }[s] || String(s ?? "onbekend");
}
