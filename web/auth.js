// Sign-in for the web map. A one-time `#token=…` in the address (what
// scripts/demo.sh prints) is traded for a session cookie and removed from
// the address; without a session, a token form is shown. The purpose
// (Doelbinding) the user states is kept for this tab only and sent with
// every request, since building-level data needs it.
//
// Contract for app.js: `await aanmelding.klaar()` before the first request
// (resolves with /api/me's answer), and `aanmelding.headers()` on every fetch.
"use strict";

const aanmelding = (() => {
  const DOEL = "buitenzicht-doelbinding";

  async function fout(r) {
    let melding = r.statusText;
    try { melding = (await r.json()).error || melding; } catch (_) { /* geen JSON */ }
    return new Error(melding);
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
      Object.assign(vak.style, {
        position: "fixed", inset: "0", zIndex: "10000", background: "rgba(255,255,255,0.95)",
        display: "flex", flexDirection: "column", alignItems: "center", justifyContent: "center", gap: "8px",
      });
      const kop = document.createElement("h2");
      kop.textContent = "Aanmelden bij buitenzicht";
      const label = document.createElement("label");
      label.textContent = "Token";
      const invoer = document.createElement("input");
      invoer.type = "password";
      invoer.autocomplete = "off";
      invoer.size = 60;
      label.appendChild(invoer);
      const knop = document.createElement("button");
      knop.type = "submit";
      knop.textContent = "Aanmelden";
      const tekstvak = document.createElement("p");
      tekstvak.textContent = melding || "";
      vak.append(kop, label, knop, tekstvak);
      vak.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
          const gebruiker = await login(invoer.value.trim());
          vak.remove();
          klaar(gebruiker);
        } catch (err) {
          tekstvak.textContent = err.message;
        }
      });
      document.body.appendChild(vak);
      invoer.focus();
    });
  }

  // Who is signed in, the purpose field and a sign-out button.
  function balk(gebruiker) {
    const zijbalk = document.getElementById("zijbalk");
    if (!zijbalk) return;
    const sectie = document.createElement("section");
    sectie.className = "klein";
    const wie = document.createElement("p");
    const gebied = gebruiker.gemeenten && gebruiker.gemeenten.length ? ` · ${gebruiker.gemeenten.join(", ")}` : "";
    wie.textContent = `${gebruiker.naam} (${gebruiker.rol}${gebied})`;
    sectie.appendChild(wie);
    // The page's purpose field (also printed on the list), kept for this tab.
    const doel = document.getElementById("doel");
    if (doel) {
      doel.value = sessionStorage.getItem(DOEL) || "";
      doel.addEventListener("input", () => sessionStorage.setItem(DOEL, doel.value.trim()));
      const label = document.querySelector('label[for="doel"]');
      if (label) sectie.appendChild(label);
      sectie.appendChild(doel);
    }
    if (!gebruiker.lokaal) {
      const uit = document.createElement("button");
      uit.type = "button";
      uit.textContent = "Afmelden";
      uit.addEventListener("click", async () => {
        await fetch("/api/logout", { method: "POST", credentials: "same-origin" });
        sessionStorage.removeItem(DOEL);
        location.reload();
      });
      sectie.appendChild(uit);
    }
    zijbalk.insertBefore(sectie, zijbalk.children[1] || null);
  }

  async function klaar() {
    let melding = "";
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get("token");
    if (token) {
      // Out of the address bar and the history before anything else; the
      // rest of the fragment (the permalink) stays.
      fragment.delete("token");
      const rest = fragment.toString();
      history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
      try { await login(token); } catch (err) { melding = err.message; }
    }
    let gebruiker = await ik();
    if (!gebruiker) gebruiker = await formulier(melding);
    balk(gebruiker);
    return gebruiker;
  }

  function headers() {
    const doel = sessionStorage.getItem(DOEL);
    return doel ? { Doelbinding: doel } : {};
  }

  return { klaar, headers };
})();
