/* Sentimeter personal tokens (RFC 9474, RSABSSA-SHA384-PSS-Randomized), in the browser.
   Source of web/static/token.js: `make vendor` bundles it with @cloudflare/blindrsa-ts (esbuild).
   - token page: fetch the published keys, make a random token, blind it, have it signed,
     unblind it and keep it in localStorage (this browser only);
   - answer page: put the kept token into the form, compare key fingerprints, "send later";
   - thank-you page: forget the spent token.
   Nothing is sent to the server but the blinded message and, later, the finished token. */
import { RSABSSA } from "@cloudflare/blindrsa-ts";

const suite = RSABSSA.SHA384.PSS.Randomized();
const STORE = "sentimeter-token-";

function b64url(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text) {
  const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function load(round) {
  try { return JSON.parse(localStorage.getItem(STORE + round) || "null"); } catch (e) { return null; }
}

function save(round, value) { localStorage.setItem(STORE + round, JSON.stringify(value)); }

function showError(box, text) {
  const el = document.getElementById("token-error");
  el.querySelector("p").textContent = text;
  el.hidden = false;
  if (box) box.hidden = true;
}

const MESSAGES = {
  nl: { already: "Je hebt je persoonlijke token voor deze ronde al gehad. Er is één token per ronde.",
        full: "Alle tokens van je team voor deze ronde zijn uitgegeven.",
        signed_out: "Je bent niet meer aangemeld. Open je link of meld je opnieuw aan.",
        other: "Het lukte niet om een token te maken. Probeer het later opnieuw." },
  en: { already: "You have already had your personal token for this round. There is one token per round.",
        full: "All tokens of your team for this round have been handed out.",
        signed_out: "You are no longer signed in. Open your link or sign in again.",
        other: "Making a token did not work. Please try again later." },
};

function say(kind) {
  const lang = document.documentElement.lang === "en" ? "en" : "nl";
  return MESSAGES[lang][kind] || MESSAGES[lang].other;
}

async function publicKey(entry) {
  return crypto.subtle.importKey("spki", unb64url(entry.spki),
    { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
}

async function getToken(box) {
  const round = box.dataset.round, team = box.dataset.team;
  const listing = await (await fetch(box.dataset.keys, { credentials: "omit" })).json();
  const entry = listing.keys.find((k) => String(k.round) === round && k.team === team);
  if (!entry) return showError(box, say("other"));
  const key = await publicKey(entry);
  const prepared = suite.prepare(crypto.getRandomValues(new Uint8Array(32)));
  const { blindedMsg, inv } = await suite.blind(key, prepared);
  const reply = await fetch(box.dataset.sign, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ blinded: b64url(blindedMsg) }),
  });
  const body = await reply.json().catch(() => ({}));
  if (!reply.ok) return showError(box, say(body.error));
  const sig = await suite.finalize(key, prepared, unb64url(body.blind_sig), inv);
  if (!(await suite.verify(key, sig, prepared))) return showError(box, say("other"));
  save(round, { round, team, token: b64url(prepared) + "." + b64url(sig),
                fingerprint: entry.fingerprint, answers: null });
  box.hidden = true;
  document.getElementById("token-fingerprint").textContent = entry.fingerprint;
  document.getElementById("token-ok").hidden = false;
}

function tokenPage(box) {
  box.hidden = false;
  const button = document.getElementById("token-get");
  button.addEventListener("click", () => {
    button.disabled = true;
    getToken(box).catch(() => showError(box, say("other")));
  });
}

function answerPage(form) {
  const kept = load(form.dataset.round);
  if (!kept || kept.team !== form.dataset.team) {
    document.getElementById("token-missing").hidden = false;
    return;
  }
  const shown = document.getElementById("page-fingerprint");
  if (shown && kept.fingerprint !== shown.textContent) {
    document.getElementById("token-missing").hidden = false;  // not the key we were signed with
    return;
  }
  document.getElementById("token-field").value = kept.token;
  for (const [name, value] of Object.entries(kept.answers || {})) {
    const field = form.elements.namedItem(name);
    if (field && "value" in field) field.value = value;
  }
  form.hidden = false;
  document.getElementById("token-later").addEventListener("click", () => {
    const answers = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (name !== "token") answers[name] = value;
    }
    save(form.dataset.round, { ...kept, answers });
    document.getElementById("token-saved").hidden = false;
    form.hidden = true;
  });
}

function donePage(meta) {
  localStorage.removeItem(STORE + meta.content);
}

const box = document.getElementById("token-box");
const form = document.getElementById("token-form");
const spent = document.querySelector('meta[name="token-spent"]');
if (box) tokenPage(box);
if (form) answerPage(form);
if (spent) donePage(spent);
