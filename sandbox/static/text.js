// Shared by the page's scripts: interface texts, element building, Telegram-formatted text.
"use strict";

const TEXTS = {
  ru: {
    title: "Песочница Telegram", newUser: "Новый пользователь", firstName: "Имя",
    lastName: "Фамилия (необязательно)", create: "Создать", pickUser: "Выберите пользователя слева или создайте нового",
    message: "Сообщение", menu: "Меню", attach: "Файл", keyboard: "Клавиатура", send: "Отправить",
    bot: "бот", typing: "печатает…", offline: "бот не подключён", edited: "изменено", you: "Вы",
    chattingAs: "вы пишете как", noMessages: "Нет сообщений", photo: "Фото", contact: "Контакт",
    demoTitle: "Демо-жители", demoHint: "Нажмите на значение, чтобы вставить его в сообщение",
    connectionLost: "Нет связи с песочницей…",
    start: "Запустить", people: "Пользователи", pickUserPhone: "Нажмите ☰, чтобы выбрать пользователя или создать нового",
  },
  en: {
    title: "Telegram sandbox", newUser: "New user", firstName: "First name",
    lastName: "Last name (optional)", create: "Create", pickUser: "Pick a user on the left or create one",
    message: "Message", menu: "Menu", attach: "File", keyboard: "Keyboard", send: "Send",
    bot: "bot", typing: "typing…", offline: "the bot is not connected", edited: "edited", you: "You",
    chattingAs: "you write as", noMessages: "No messages yet", photo: "Photo", contact: "Contact",
    demoTitle: "Demo residents", demoHint: "Click a value to put it into the message field",
    connectionLost: "Lost connection to the sandbox…",
    start: "Start", people: "Users", pickUserPhone: "Tap ☰ to pick a user or create one",
  },
};
const AVATAR_COLORS = ["#e17076", "#7bc862", "#e5ca77", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

// ---------- helpers ----------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) if (child !== null && child !== undefined) node.append(child);
  return node;
}
function clock(date) {
  const d = new Date(date * 1000);
  return d.toLocaleTimeString(state.lang === "ru" ? "ru-RU" : "en-GB", { hour: "2-digit", minute: "2-digit" });
}
function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
// ---------- formatted text (entity offsets are UTF-16, like JS strings) ----------
function entityNode(entity, text) {
  switch (entity.type) {
    case "bold": return el("b");
    case "italic": return el("i");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote": case "expandable_blockquote": return el("blockquote");
    case "spoiler": return el("span", { class: "spoiler", onclick: (e) => e.currentTarget.classList.add("shown") });
    case "text_link": return el("a", { href: entity.url, target: "_blank", rel: "noopener" });
    case "url": return el("a", { href: text.slice(entity.offset, entity.offset + entity.length), target: "_blank", rel: "noopener" });
    case "bot_command": {
      const command = text.slice(entity.offset, entity.offset + entity.length);
      return el("a", { class: "command", href: "#", onclick: (e) => { e.preventDefault(); sendText(command); } });
    }
    default: return el("span");
  }
}
function formatted(text, entities) {
  const root = el("span", { class: "text" });
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  (function build(start, end, list, parent) {
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i++];
      const from = Math.max(entity.offset, pos);
      const to = Math.min(entity.offset + entity.length, end);
      if (to <= from) continue;
      if (from > pos) parent.append(text.slice(pos, from));
      const inner = [];
      while (i < list.length && list[i].offset < to) inner.push(list[i++]);
      const node = entityNode(entity, text);
      build(from, to, inner, node);
      parent.append(node);
      pos = to;
    }
    if (pos < end) parent.append(text.slice(pos, end));
  })(0, text.length, sorted, root);
  return root;
}
