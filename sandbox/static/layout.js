// Narrow screens: the people list (up to 600 px) and the demo residents (up to 900 px) become drawers
// over the chat, opened from the chat's header, closed by a pick, a tap outside or Escape.
"use strict";

const PHONE = window.matchMedia("(max-width: 600px)");
const NARROW = window.matchMedia("(max-width: 900px)");
const DRAWERS = { people: "people-button", demo: "demo-button" };

function openDrawer(name) {
  const app = document.getElementById("app");
  for (const [other, button] of Object.entries(DRAWERS)) {
    app.classList.toggle(`${other}-open`, other === name);
    document.getElementById(button).setAttribute("aria-expanded", String(other === name));
  }
}

function closeDrawers() {
  openDrawer(null);
}

(function wireDrawers() {
  for (const [name, button] of Object.entries(DRAWERS)) {
    document.getElementById(button).addEventListener("click", (event) => {
      event.stopPropagation();
      if (document.getElementById("app").classList.contains(`${name}-open`)) closeDrawers(); else openDrawer(name);
    });
  }
  document.getElementById("drawer-backdrop").addEventListener("click", closeDrawers);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeDrawers(); });
  // a drawer left open on a phone means nothing on a wide screen; the empty chat's hint changes too
  NARROW.addEventListener("change", closeDrawers);
  PHONE.addEventListener("change", () => { closeDrawers(); renderChat(state.chat); });
})();
