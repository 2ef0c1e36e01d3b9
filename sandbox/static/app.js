// The sandbox web chat: pick or create a person, chat with the bot as in Telegram.
// Live updates come as server-sent events from /sandbox/api/stream; no page reloads.
"use strict";

const state = {
  lang: localStorage.getItem("sandbox.lang") || "ru",
  userId: Number(localStorage.getItem("sandbox.user")) || null,
  people: [],
  chat: null,
  source: null,
  seenNotices: new Map(), // user id -> highest notice id already shown
  keyboardOpen: true,
  keyboardSig: null,
  stick: true, // keep the newest message in view unless the person scrolled up
  typingTimer: null,
};
// the printed address carries the run's token; the cookie holds it now, the address bar need not
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);
const $ = (id) => document.getElementById(id);
const t = (key) => TEXTS[state.lang][key] || key;
const rendered = new Map(); // message id -> {sig, el}

// ---------- helpers ----------
function initials(first, last) {
  return ((first || "?")[0] + (last ? last[0] : "")).toUpperCase();
}
function avatar(person) {
  const color = AVATAR_COLORS[Math.abs(person.id) % AVATAR_COLORS.length];
  return el("div", { class: "avatar", style: `background:${color}` }, initials(person.first_name, person.last_name));
}
async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}
function toast(text, kind = "") {
  const node = el("div", { class: `toast ${kind}` }, text);
  $("toasts").append(node);
  setTimeout(() => node.remove(), kind === "error" ? 4500 : 2500);
}
async function act(promise) {
  try { return await promise; } catch (error) { toast(error.message, "error"); return null; }
}

function stickToBottom() {
  const box = $("messages");
  if (state.stick) box.scrollTop = box.scrollHeight;
}

// ---------- people ----------
function renderPeople(people) {
  state.people = people;
  const list = $("people-list");
  list.replaceChildren(...people.map((person) => {
    const last = person.last;
    const preview = last ? (last.from === "user" ? `${t("you")}: ` : "") + (last.text || "") : t("noMessages");
    return el("li", {
      class: `person${person.id === state.userId ? " active" : ""}`, "data-user-id": person.id,
      onclick: () => selectUser(person.id),
    },
      avatar(person),
      el("div", { class: "person-body" },
        el("div", { class: "person-top" },
          el("span", { class: "person-name" }, `${person.first_name} ${person.last_name || ""}`.trim(),
            el("span", { class: "person-lang" }, person.language_code)),
          el("span", { class: "person-time" }, last ? clock(last.date) : "")),
        el("div", { class: "person-preview" }, preview)));
  }));
}

function selectUser(userId) {
  if (userId) closeDrawers(); // picked from the phone's drawer: show the chat
  state.userId = userId;
  state.chat = null;
  if (userId) localStorage.setItem("sandbox.user", userId); else localStorage.removeItem("sandbox.user");
  rendered.clear();
  $("messages").replaceChildren();
  state.stick = true;
  state.keyboardSig = null;
  renderPeople(state.people);
  renderChat(null);
  connect();
  loadDemo();
}

// ---------- chat ----------
function messageNode(message) {
  const bubbleClass = ["bubble"];
  const parts = [];
  if (message.reply_to) {
    parts.push(el("div", { class: "reply-quote" },
      el("b", {}, message.reply_to.from === "bot" ? state.chat.bot.first_name : state.chat.user.first_name),
      message.reply_to.text));
  }
  if (message.photo) {
    bubbleClass.push("media");
    if (!message.text) bubbleClass.push("no-caption");
    parts.push(el("img", { class: "photo", src: message.photo.url, alt: t("photo"),
      width: message.photo.width, height: message.photo.height, onload: stickToBottom }));
  }
  if (message.document) {
    const doc = message.document;
    parts.push(el("a", { class: "document", href: doc.url, download: doc.file_name },
      el("div", { class: "document-icon" }, "⬇"),
      el("div", {}, el("div", { class: "document-name" }, doc.file_name),
        el("div", { class: "document-size" }, fileSize(doc.file_size)))));
  }
  if (message.contact) {
    const c = message.contact;
    parts.push(el("div", { class: "contact-card" },
      avatar({ id: c.user_id || 0, first_name: c.first_name, last_name: c.last_name }),
      el("div", {}, el("div", { class: "document-name" }, `${c.first_name} ${c.last_name || ""}`.trim()),
        el("div", { class: "document-size" }, c.phone_number))));
  }
  const meta = el("span", { class: "meta" },
    message.edited ? el("span", { class: "edited" }, t("edited")) : null,
    clock(message.date),
    message.from === "user" ? el("span", { class: "check" }, "✓✓") : null);
  const text = message.text ? formatted(message.text, message.entities) : el("span", { class: "text no-text" });
  text.append(meta);
  parts.push(text);
  const node = el("div", { class: `msg ${message.from}${message.buttons.length ? " has-keyboard" : ""}`, "data-message-id": message.id },
    el("div", { class: bubbleClass.join(" ") }, parts));
  if (message.buttons.length) node.append(inlineKeyboard(message));
  return node;
}

function inlineKeyboard(message) {
  return el("div", { class: "inline-keyboard" }, message.buttons.map((row, r) =>
    el("div", { class: "inline-row" }, row.map((button, c) => el("button", {
      type: "button", class: button.url ? "url" : "", title: button.url || button.callback_data || "",
      onclick: async (event) => {
        if (button.url) { window.open(button.url, "_blank", "noopener"); return; }
        const target = event.currentTarget;
        target.disabled = true;
        await act(api("POST", `/sandbox/api/users/${state.userId}/press`, { message_id: message.id, row: r, column: c }));
        setTimeout(() => { target.disabled = false; }, 400);
      },
    }, button.text)))));
}

function renderMessages(messages) {
  const box = $("messages");
  const ids = new Set(messages.map((m) => m.id));
  for (const [id, entry] of rendered) if (!ids.has(id)) { entry.el.remove(); rendered.delete(id); }
  let previous = null;
  for (const message of messages) {
    const sig = JSON.stringify(message) + state.lang;
    let entry = rendered.get(message.id);
    if (!entry || entry.sig !== sig) {
      const node = messageNode(message);
      if (entry) entry.el.replaceWith(node);
      entry = { sig, el: node };
      rendered.set(message.id, entry);
    }
    const expected = previous ? previous.nextSibling : box.firstChild;
    if (expected !== entry.el) box.insertBefore(entry.el, expected);
    previous = entry.el;
  }
}

function renderReplyKeyboard(keyboard) {
  const panel = $("reply-keyboard");
  $("keyboard-button").hidden = !keyboard;
  if (!keyboard) { panel.hidden = true; return; }
  const sig = JSON.stringify(keyboard);
  if (sig !== state.keyboardSig) { state.keyboardSig = sig; state.keyboardOpen = !keyboard.collapsed; }
  const open = state.keyboardOpen;
  $("keyboard-button").classList.toggle("active", open);
  panel.hidden = !open;
  panel.classList.toggle("tall", !keyboard.resize);
  panel.replaceChildren(...keyboard.rows.map((row) => el("div", { class: "kb-row" }, row.map((button) =>
    el("button", { type: "button", onclick: () => act(api("POST", `/sandbox/api/users/${state.userId}/reply`, { text: button.text })) },
      button.request_contact ? `☎ ${button.text}` : button.text)))));
}

function renderStatus(chat) {
  const status = $("bot-status");
  status.className = "chat-status";
  if (!chat) { status.textContent = ""; return; }
  if (chat.typing) {
    status.textContent = t("typing");
    status.classList.add("typing");
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => { if (state.chat) renderStatus({ ...state.chat, typing: false }); }, 5000);
  } else if (!chat.bot.online) {
    status.textContent = t("offline");
    status.classList.add("offline");
  } else {
    status.textContent = t("bot");
  }
}

function renderNotices(chat) {
  const seen = state.seenNotices.get(chat.user.id);
  const newest = chat.notices.length ? chat.notices[chat.notices.length - 1].id : 0;
  state.seenNotices.set(chat.user.id, Math.max(newest, seen || 0));
  if (seen === undefined) return; // notices from before the page opened are not replayed
  for (const notice of chat.notices.filter((n) => n.id > seen)) {
    if (notice.alert) showAlert(chat.bot.first_name, notice.text); else toast(notice.text);
  }
}

function showAlert(title, text) {
  $("alert-bot").textContent = title;
  $("alert-text").textContent = text;
  $("alert").hidden = false;
  $("alert-ok").focus();
}

function renderCommands(chat) {
  const commands = chat ? chat.commands : [];
  $("menu-button").hidden = !commands.length;
  $("commands").replaceChildren(...commands.map((c) => el("button", {
    type: "button", onclick: () => { $("commands").hidden = true; sendText(`/${c.command}`); },
  }, el("span", { class: "cmd" }, `/${c.command}`), el("span", { class: "desc" }, c.description))));
  if (!commands.length) $("commands").hidden = true;
}

function renderChat(chat) {
  state.chat = chat;
  const active = Boolean(state.userId);
  $("empty-state").hidden = active && chat !== null && chat.messages.length > 0;
  $("empty-state").textContent = active ? t("noMessages") : t(PHONE.matches ? "pickUserPhone" : "pickUser");
  $("composer").hidden = !active;
  // Telegram's START for a chat with no messages yet; gone with the first message
  $("start-button").hidden = !(chat && chat.messages.length === 0);
  if (!chat) {
    $("chat-as").textContent = "";
    renderStatus(null);
    renderReplyKeyboard(null);
    renderCommands(null);
    return;
  }
  $("bot-name").textContent = chat.bot.first_name;
  $("bot-avatar").textContent = initials(...chat.bot.first_name.split(" "));
  $("chat-as").replaceChildren(`${t("chattingAs")} `,
    el("span", { class: "chat-as-who" }, `${chat.user.first_name} · ${chat.user.language_code}`));
  renderStatus(chat);
  renderMessages(chat.messages);
  renderReplyKeyboard(chat.reply_keyboard);
  renderCommands(chat);
  renderNotices(chat);
  const placeholder = (chat.force_reply && chat.force_reply.placeholder)
    || (chat.reply_keyboard && chat.reply_keyboard.placeholder) || t("message");
  $("text-input").placeholder = placeholder;
  stickToBottom();
}

// ---------- live feed ----------
function connect() {
  if (state.source) state.source.close();
  const query = state.userId ? `?user=${state.userId}` : "";
  const source = new EventSource(`/sandbox/api/stream${query}`);
  source.addEventListener("people", (event) => {
    renderPeople(JSON.parse(event.data));
    // only the server's list tells a person is gone: before it comes, the page knows nobody
    if (state.userId && !state.people.some((p) => p.id === state.userId)) selectUser(null);
  });
  source.addEventListener("chat", (event) => {
    const chat = JSON.parse(event.data);
    if (chat.user.id === state.userId) renderChat(chat);
  });
  source.onerror = () => { if (source.readyState !== EventSource.OPEN) $("bot-status").textContent = t("connectionLost"); };
  state.source = source;
}

// ---------- actions ----------
async function sendText(text) {
  if (!state.userId || !text.trim()) return;
  await act(api("POST", `/sandbox/api/users/${state.userId}/messages`, { text }));
}

async function sendFile(file) {
  const form = new FormData();
  form.append("as", file.type.startsWith("image/") ? "photo" : "document");
  form.append("caption", $("text-input").value.trim());
  form.append("file", file, file.name);
  $("text-input").value = "";
  await act(api("POST", `/sandbox/api/users/${state.userId}/messages`, form));
}

async function loadDemo() {
  const panel = $("demo-panel");
  const info = await api("GET", "/sandbox/api/demo").catch(() => ({ residents: [] }));
  const residents = info.residents || [];
  panel.classList.toggle("empty", residents.length === 0);
  $("demo-button").hidden = residents.length === 0;
  panel.replaceChildren(
    el("h2", {}, t("demoTitle")),
    el("div", { class: "hint" }, t("demoHint")),
    ...residents.map((resident) => {
      const title = resident.name || resident.full_name || resident.title || "";
      const rows = Object.entries(resident).filter(([key, value]) =>
        !["name", "full_name", "title"].includes(key) && value !== null && typeof value !== "object");
      return el("div", { class: "resident" },
        el("div", { class: "resident-name" }, title),
        el("dl", {}, rows.map(([key, value]) => [el("dt", {}, key), el("dd", {
          title: t("demoHint"),
          onclick: () => { closeDrawers(); const input = $("text-input"); input.value = String(value); input.focus(); },
        }, String(value))])));
    }));
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  for (const button of document.querySelectorAll("[data-lang]")) button.classList.toggle("active", button.dataset.lang === state.lang);
  document.querySelector("#new-person select").value = state.lang;
  renderPeople(state.people);
  if (state.chat) { rendered.clear(); $("messages").replaceChildren(); renderChat(state.chat); } else renderChat(null);
  loadDemo();
}

function wire() {
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => {
      state.lang = button.dataset.lang;
      localStorage.setItem("sandbox.lang", state.lang);
      applyLanguage();
    });
  }
  $("new-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const body = Object.fromEntries(new FormData(form));
    if (!body.last_name) delete body.last_name;
    const person = await act(api("POST", "/sandbox/api/users", body));
    if (person) {
      form.reset();
      form.language_code.value = state.lang;
      // the people stream may not have told us about the new person yet: know them before selecting
      if (!state.people.some((p) => p.id === person.id)) state.people = [...state.people, person];
      selectUser(person.id);
    }
  });
  const input = $("text-input");
  $("send-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    input.style.height = "";
    await sendText(text);
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("send-form").requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    input.style.height = "";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  });
  $("messages").addEventListener("scroll", () => {
    const box = $("messages");
    state.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  });
  $("attach-button").addEventListener("click", () => $("file-input").click());
  $("file-input").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    event.target.value = "";
    if (file) await sendFile(file);
  });
  $("start-button").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true; // one /start, not two, while the chat catches up
    await sendText("/start");
    button.disabled = false;
  });
  $("menu-button").addEventListener("click", () => { $("commands").hidden = !$("commands").hidden; });
  $("keyboard-button").addEventListener("click", () => {
    state.keyboardOpen = !state.keyboardOpen;
    renderReplyKeyboard(state.chat && state.chat.reply_keyboard);
    stickToBottom();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("#commands") && !event.target.closest("#menu-button")) $("commands").hidden = true;
  });
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
}

wire();
applyLanguage();
selectUser(state.userId);
if (!state.userId && PHONE.matches) openDrawer("people"); // as a phone opens Telegram on the chat list
