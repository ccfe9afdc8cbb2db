// The search box: a municipality by name or code, a building by id, a
// position in RD New (`155000 463000`) or WGS84 (`51,45, 5,40` or
// `51.45 5.40`), and an address through PDOK's Locatieserver when the
// server names one.
import { api } from "./api.js";

/** Two numbers in the text, with `.` or `,` as decimal mark. */
export function getallenpaar(tekst) {
  const t = tekst.trim();
  // Split on a comma followed by a space, a semicolon or whitespace; a
  // comma inside a number is its decimal mark.
  let delen = t.split(/\s*;\s*|,\s+|\s+/).filter(Boolean);
  if (delen.length !== 2 && /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/.test(t)) delen = t.split(",");
  if (delen.length !== 2) return null;
  const getallen = delen.map((d) => (/^-?\d+([.,]\d+)?$/.test(d) ? Number(d.replace(",", ".")) : NaN));
  return getallen.every(Number.isFinite) ? getallen : null;
}

/**
 * What `tekst` names: `{ soort: "gemeente", statcode }`,
 * `{ soort: "punt", lat, lon, label }` or `null`, with `gemeenten` the
 * municipality list and `cfg` the map's settings. Buildings are looked up
 * only with `{ panden: true }` (a role and purpose that may see them).
 */
export async function zoek(tekst, gemeenten, cfg, { panden = true } = {}) {
  const t = tekst.trim();
  if (!t) return null;
  const paar = getallenpaar(t);
  if (paar) {
    const [a, b] = paar;
    if (a > 1000 && b > 1000) {
      const p = await api(`/api/rd?x=${encodeURIComponent(a)}&y=${encodeURIComponent(b)}`);
      return { soort: "punt", lat: p.lat, lon: p.lon, label: `RD ${a} ${b}` };
    }
    // Latitude first, as usual; a pair that only fits the other way round
    // in the Netherlands (lon 3–8, lat 50–54) is swapped.
    let [lat, lon] = [a, b];
    if (lat < 10 && lon > 45) [lat, lon] = [lon, lat];
    if (Math.abs(lat) <= 85 && Math.abs(lon) <= 180) return { soort: "punt", lat, lon, label: `${lat}, ${lon}` };
  }
  const laag = t.toLowerCase();
  const g = gemeenten.find((x) => x.statcode.toLowerCase() === laag || x.statnaam.toLowerCase() === laag)
    || gemeenten.find((x) => x.statnaam.toLowerCase().startsWith(laag));
  if (g) return { soort: "gemeente", statcode: g.statcode };
  if (panden && /^[A-Za-z0-9._-]{1,40}$/.test(t)) {
    try {
      const p = await api(`/api/panden/${encodeURIComponent(t)}`);
      return { soort: "pand", lat: p.lat, lon: p.lon, identificatie: p.identificatie, gemeente: p.gemeente };
    } catch (e) {
      if (e.status !== 404) throw e;
    }
  }
  if (cfg.locatieserver_url) {
    const url = new URL(cfg.locatieserver_url);
    url.searchParams.set("q", t);
    url.searchParams.set("rows", "1");
    url.searchParams.set("fl", "weergavenaam centroide_ll");
    const r = await fetch(url, { credentials: "omit" });
    if (r.ok) {
      const doc = (await r.json())?.response?.docs?.[0];
      const m = /POINT\(([-\d.]+) ([-\d.]+)\)/.exec(doc?.centroide_ll || "");
      if (m) return { soort: "punt", lon: Number(m[1]), lat: Number(m[2]), label: String(doc.weergavenaam || t) };
    }
  }
  return null;
}
