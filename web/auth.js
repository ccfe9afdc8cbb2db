// Sign-in for the web map. A one-time `#token=…` in the address (what
// scripts/demo.sh prints) is traded for a session cookie and removed from
// the address; without a session, a token form is shown. The purpose
// (Doelbinding) the user states is kept for this tab only and sent with
// every request, since building-level data needs it.
//
// Contract for app.js: `await aanmelding.klaar()` before the first request
// (resolves with /api/me's answer), `aanmelding.headers()` on every fetch,
// `aanmelding.doel()` for the stated purpose (or "").
"use strict";

const aanmelding = (() => {
  const DOEL = "buitenzicht-doelbinding";
  const ROLNAMEN = { analist: "analist", gemeente: "gemeente", kvb: "KVB-partner", beheerder: "beheerder" };

  async function fout(r) {
    let melding = r.statusText;
    try { melding = (await r.json()).error || melding; } catch (_) { /* geen JSON */ }
    if (r.status === 429) melding = `Te veel mislukte pogingen: ${melding}`;
    else if (r.status !== 404) melding = `Aanmelden mislukt: ${melding}`;
    const e = new Error(melding);
    e.status = r.status;
    return e;
  }

  async function login(token) {
    const r = await fetch("/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
      credentials: "same-origin",
    });
    if (!r.ok) throw await fout(r);
    return r.json();
  }

  async function ik() {
    const r = await fetch("/api/me", { credentials: "same-origin" });
    if (r.status === 401) return null;
    if (!r.ok) throw await fout(r);
    return r.json();
  }

  // A token form over the page, built without innerHTML.
  function formulier(melding) {
    return new Promise((klaar) => {
      const vak = document.createElement("form");
      vak.id = "aanmeldformulier";
      const kaart = document.createElement("div");
      kaart.className = "kader";
      const kop = document.createElement("h2");
      kop.textContent = "Aanmelden bij buitenzicht";
      const uitleg = document.createElement("p");
      uitleg.className = "klein";
      uitleg.textContent = "Vul de token in die u van de beheerder kreeg.";
      const label = document.createElement("label");
      label.textContent = "Token";
      label.htmlFor = "aanmeld-token";
      const invoer = document.createElement("input");
      invoer.id = "aanmeld-token";
      invoer.type = "password";
      invoer.autocomplete = "off";
      invoer.required = true;
      const knop = document.createElement("button");
      knop.type = "submit";
      knop.textContent = "Aanmelden";
      const tekstvak = document.createElement("p");
      tekstvak.id = "aanmeld-fout";
      tekstvak.className = "melding";
      tekstvak.setAttribute("role", "alert");
      tekstvak.textContent = melding || "";
      tekstvak.hidden = !melding;
      kaart.append(kop, uitleg, label, invoer, knop, tekstvak);
      vak.appendChild(kaart);
      vak.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
          const gebruiker = await login(invoer.value.trim());
          vak.remove();
          klaar(gebruiker);
        } catch (err) {
          tekstvak.textContent = err.message;
          tekstvak.hidden = false;
        }
      });
      document.body.appendChild(vak);
      invoer.focus();
    });
  }

  /** The stated purpose, or "". */
  function doel() {
    return (sessionStorage.getItem(DOEL) || "").trim();
  }

  // Who is signed in, the purpose field and a sign-out button.
  function balk(gebruiker) {
    const wie = document.getElementById("gebruiker");
    if (wie) {
      const rol = ROLNAMEN[gebruiker.rol] || gebruiker.rol;
      const gebied = gebruiker.gemeenten && gebruiker.gemeenten.length ? ` · ${gebruiker.gemeenten.join(", ")}` : "";
      wie.textContent = gebruiker.lokaal
        ? "Lokale analist (deze computer, zonder aanmelding)"
        : `Aangemeld als ${gebruiker.naam} (${rol}${gebied})`;
    }
    const doelVak = document.getElementById("doel-vak");
    const doelInvoer = document.getElementById("doel");
    const pandniveau = gebruiker.rol === "analist" || gebruiker.rol === "gemeente";
    if (doelVak) doelVak.hidden = !pandniveau;
    if (doelInvoer) {
      doelInvoer.value = doel();
      doelInvoer.addEventListener("input", () => sessionStorage.setItem(DOEL, doelInvoer.value.trim()));
    }
    const uit = document.getElementById("afmelden");
    if (uit && !gebruiker.lokaal) {
      uit.hidden = false;
      uit.addEventListener("click", async () => {
        await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
        sessionStorage.removeItem(DOEL);
        location.reload();
      });
    }
  }

  async function klaar() {
    let melding = "";
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get("token");
    if (token != null) {
      // Out of the address bar and the history before anything else; the
      // rest of the fragment (the permalink) stays.
      fragment.delete("token");
      const rest = fragment.toString();
      history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
    }
    let gebruiker = null;
    if (token) {
      try {
        gebruiker = await login(token.trim());
      } catch (err) {
        // 404: the server runs without [access] (everyone is the local
        // analyst), so there is no token to trade.
        if (err.status !== 404) melding = err.message;
      }
    }
    if (!gebruiker && !melding) gebruiker = await ik();
    if (!gebruiker) gebruiker = await formulier(melding);
    balk(gebruiker);
    return gebruiker;
  }

  /** Why the stated purpose cannot be sent, or "" when it can. */
  function doelFout() {
    const d = doel();
    if (!d) return "leeg";
    // A header carries printable ASCII only (the server refuses the rest).
    if (!/^[\x20-\x7e]+$/.test(d)) return "Gebruik in de doelbinding alleen gewone tekens (geen accenten, gedachtestreepjes of emoji).";
    return "";
  }

  function headers() {
    return doelFout() ? {} : { Doelbinding: doel() };
  }

  return { klaar, headers, doel, doelFout };
})();
