// The permalink: the URL's hash holds the view, layer, municipality and
// selection (`#kaart=13/51.45000/5.40000&laag=risk&gemeente=GM0001&pand=…`
// or `&punt=51.45,5.40`). Values read from it are checked and never
// written into the page as HTML.

const GETAL = /^-?\d{1,3}(\.\d{1,8})?$/;

/** The state in `location` (hash first, then the query string). */
export function leesPermalink(loc = window.location) {
  const p = new URLSearchParams(loc.hash.replace(/^#/, ""));
  const q = new URLSearchParams(loc.search);
  const get = (k) => p.get(k) ?? q.get(k);
  const uit = {};
  const kaart = get("kaart");
  if (kaart) {
    const [z, lat, lon] = kaart.split("/");
    if ([z, lat, lon].every((v) => v != null && GETAL.test(v))) {
      const v = { zoom: Number(z), lat: Number(lat), lon: Number(lon) };
      if (v.zoom >= 0 && v.zoom <= 22 && Math.abs(v.lat) <= 85 && Math.abs(v.lon) <= 180) uit.view = v;
    }
  }
  const laag = get("laag");
  if (laag && /^[a-z_]{1,32}$/.test(laag)) uit.laag = laag;
  const gemeente = get("gemeente");
  if (gemeente && /^[A-Za-z0-9_-]{1,16}$/.test(gemeente)) uit.gemeente = gemeente;
  const pand = get("pand");
  if (pand && /^[A-Za-z0-9._-]{1,40}$/.test(pand)) uit.pand = pand;
  const punt = get("punt");
  if (punt) {
    const [lat, lon] = punt.split(",");
    if (GETAL.test(lat || "") && GETAL.test(lon || "")) uit.punt = { lat: Number(lat), lon: Number(lon) };
  }
  return uit;
}

/** Writes `state` into the hash without a new history entry. */
export function schrijfPermalink({ view, laag, gemeente, pand, punt }) {
  const p = new URLSearchParams();
  if (view) p.set("kaart", `${view.zoom}/${view.lat.toFixed(5)}/${view.lon.toFixed(5)}`);
  if (laag) p.set("laag", laag);
  if (gemeente) p.set("gemeente", gemeente);
  if (pand) p.set("pand", pand);
  else if (punt) p.set("punt", `${punt.lat.toFixed(5)},${punt.lon.toFixed(5)}`);
  const hash = `#${p.toString().replaceAll("%2F", "/").replaceAll("%2C", ",")}`;
  if (hash !== window.location.hash) history.replaceState(null, "", `${window.location.pathname}${window.location.search}${hash}`);
}
