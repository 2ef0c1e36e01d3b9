/* The resident's own check of their row on the public board, in their browser.
 *
 * The server sends the row, an RFC 9162 inclusion proof and the signed checkpoint (a C2SP signed
 * note); this script recomputes the row's leaf hash, walks the proof up to a root and checks the
 * checkpoint's Ed25519 signature with the published key, all with WebCrypto, so that a resident
 * need not trust the server that sent them. A plain ES2020 script without dependencies: it
 * exposes window.Board, and on a page with #board-proof it writes its verdict into #board-verdict
 * and #board-steps.
 */
(function () {
  "use strict";

  const LEAF_PREFIX = "board-row/v1";
  const FIELDS = ["poll", "publication", "tracker", "unom", "flat", "choice", "share", "channel",
    "counted_on", "replaces"];
  const HASH_BYTES = 32;
  const ED25519 = 0x01;  // the signed-note signature type of Ed25519 keys
  const EM_DASH = "\u2014";

  // Every text the page may show, by message id; the page's own texts (#board-texts) take precedence.
  const ENGLISH = {
    leaf: "The row shown, hashed",
    path: "The path from the row to the board's root",
    signature: "The checkpoint's signature by the published key",
    root: "The checkpoint's size and root",
    checking: "Checking in your browser…",
    verified: "Verified in your browser: this row is on the signed public board.",
    failed: "Not verified: {error}.",
    no_proof: "the page holds no proof to check",
    bad_bundle: "the proof on the page is malformed ({what})",
    no_webcrypto: "this browser cannot compute hashes on this page (WebCrypto needs an HTTPS page)",
    no_ed25519: "this browser cannot check Ed25519 signatures; a newer browser can",
    row_field: "the row has no field \"{field}\"",
    row_value: "the row's field \"{field}\" holds a character a row cannot have",
    bad_number: "{what} is not a whole number",
    bad_hash: "{what} is not a 32-byte hash in base64",
    index_range: "row {index} is outside a board of {size} rows",
    path_long: "the path is longer than a board of {size} rows needs",
    path_short: "the path is shorter than a board of {size} rows needs",
    other_root: "the path leads to another root than the checkpoint's",
    note_format: "the checkpoint is malformed ({what})",
    vkey_format: "the published key is malformed ({what})",
    not_signed: "the checkpoint is not signed by the published key",
    bad_signature: "the signature does not verify",
    size_mismatch: "the checkpoint is for {noteSize} rows, the proof for {size}",
    consistency_order: "a board of {first} rows cannot follow one of {second}",
    consistency_path: "the consistency proof does not fit boards of {first} and {second} rows",
    consistency_roots: "the consistency proof does not join the two roots",
  };

  /** An Error whose message is the English text of `code`; `code` and `params` let a page translate it. */
  class BoardError extends Error {
    constructor(code, params = {}) {
      super(format(ENGLISH[code] || code, params));
      this.name = "BoardError";
      this.code = code;
      this.params = params;
    }
  }

  function format(template, params) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
  }

  function say(texts, code, params = {}) {
    const template = texts && typeof texts[code] === "string" ? texts[code] : ENGLISH[code] || code;
    return format(template, params);
  }

  // ---- bytes ----

  const encoder = new TextEncoder();

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    let difference = 0;
    for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
    return difference === 0;
  }

  function toHex(bytes) {
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function toBase64(bytes) {
    return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""));
  }

  /** Strict RFC 4648 base64: atob alone would also take spaces, missing padding and stray bits. */
  function fromBase64(text, what, code = "bad_bundle") {
    const fail = () => new BoardError(code, {what: `${what} is not base64`});
    if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw fail();
    const bytes = Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
    if (toBase64(bytes) !== text) throw fail();
    return bytes;
  }

  /** A 32-byte hash from a Uint8Array or its base64. */
  function hashBytes(value, what) {
    let bytes = value;
    if (typeof value === "string") {
      try {
        bytes = fromBase64(value, what);
      } catch (error) {
        throw new BoardError("bad_hash", {what});
      }
    }
    if (!(bytes instanceof Uint8Array) || bytes.length !== HASH_BYTES) throw new BoardError("bad_hash", {what});
    return bytes;
  }

  function wholeNumber(value, what) {
    if (!Number.isSafeInteger(value) || value < 0) throw new BoardError("bad_number", {what});
    return value;
  }

  // ---- RFC 9162 §2.1: hashes ----

  async function sha256(bytes) {
    const subtle = globalThis.crypto && globalThis.crypto.subtle;
    if (!subtle) throw new BoardError("no_webcrypto");
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  }

  /** SHA-256(0x00 ‖ leaf): the hash of a leaf's bytes. */
  function hashLeaf(bytes) {
    return sha256(concat(Uint8Array.of(0x00), bytes));
  }

  /** SHA-256(0x01 ‖ left ‖ right): the hash of an inner node. */
  function hashChildren(left, right) {
    return sha256(concat(Uint8Array.of(0x01), left, right));
  }

  // ---- the row ----

  /** The row's leaf text: "board-row/v1", then its fields in the published order, tab-separated. */
  function leafText(row) {
    if (row === null || typeof row !== "object") throw new BoardError("bad_bundle", {what: "no row"});
    const values = FIELDS.map((field) => {
      const value = row[field];
      if (value === undefined || value === null) throw new BoardError("row_field", {field});
      const text = String(value);
      // a tab or a line break inside a field would let two different rows share one leaf
      if (/[\u0000-\u001f\u007f]/.test(text)) throw new BoardError("row_value", {field});
      return text;
    });
    return [LEAF_PREFIX, ...values].join("\t");
  }

  /** The row's leaf hash (a Promise of a Uint8Array). */
  function leafHash(row) {
    return hashLeaf(encoder.encode(leafText(row)));
  }

  // ---- RFC 9162 §2.1.3.2: inclusion ----

  // one level up the tree; division, not ">> 1": bit operators cut numbers to 32 bits
  const up = (n) => Math.floor(n / 2);

  /** The root that `path` leads to from the leaf at `index` of a tree of `size` leaves. */
  async function rootFromInclusion(index, size, leaf, path) {
    wholeNumber(index, "the index");
    wholeNumber(size, "the size");
    if (index >= size) throw new BoardError("index_range", {index, size});
    if (!Array.isArray(path)) throw new BoardError("bad_bundle", {what: "the path is not a list"});
    let fn = index;
    let sn = size - 1;
    let r = hashBytes(leaf, "the leaf hash");
    for (let i = 0; i < path.length; i++) {
      const p = hashBytes(path[i], `path element ${i + 1}`);
      if (sn === 0) throw new BoardError("path_long", {size});
      if (fn % 2 === 1 || fn === sn) {
        r = await hashChildren(p, r);
        while (fn % 2 === 0 && fn !== 0) [fn, sn] = [up(fn), up(sn)];
      } else {
        r = await hashChildren(r, p);
      }
      [fn, sn] = [up(fn), up(sn)];
    }
    if (sn !== 0) throw new BoardError("path_short", {size});
    return r;
  }

  /** Resolves to true when `path` proves the leaf at `index` is in the tree of `size` leaves with `root`;
   * rejects with a BoardError otherwise. */
  async function verifyInclusion(index, size, leaf, path, root) {
    const expected = hashBytes(root, "the root");
    const computed = await rootFromInclusion(index, size, leaf, path);
    if (!equal(computed, expected)) throw new BoardError("other_root");
    return true;
  }

  // ---- RFC 9162 §2.1.4.2: consistency ----

  /** Resolves to true when `path` proves the tree of `firstSize` leaves (`firstRoot`) is a prefix of the
   * tree of `secondSize` (`secondRoot`); rejects with a BoardError otherwise. */
  async function verifyConsistency(firstSize, secondSize, path, firstRoot, secondRoot) {
    wholeNumber(firstSize, "the first size");
    wholeNumber(secondSize, "the second size");
    const params = {first: firstSize, second: secondSize};
    if (firstSize > secondSize) throw new BoardError("consistency_order", params);
    if (!Array.isArray(path)) throw new BoardError("bad_bundle", {what: "the consistency proof is not a list"});
    const first = hashBytes(firstRoot, "the first root");
    const second = hashBytes(secondRoot, "the second root");
    if (firstSize === secondSize || firstSize === 0) {
      // an empty tree precedes every tree; a tree is consistent with itself only: no proof needed
      if (path.length !== 0) throw new BoardError("consistency_path", params);
      if (firstSize !== 0 && !equal(first, second)) throw new BoardError("consistency_roots", params);
      return true;
    }
    const nodes = path.map((node, i) => hashBytes(node, `consistency proof element ${i + 1}`));
    if (nodes.length === 0) throw new BoardError("consistency_path", params);
    if (isPowerOfTwo(firstSize)) nodes.unshift(first);
    let fn = firstSize - 1;
    let sn = secondSize - 1;
    while (fn % 2 === 1) [fn, sn] = [up(fn), up(sn)];
    let fr = nodes[0];
    let sr = nodes[0];
    for (const c of nodes.slice(1)) {
      if (sn === 0) throw new BoardError("consistency_path", params);
      if (fn % 2 === 1 || fn === sn) {
        fr = await hashChildren(c, fr);
        sr = await hashChildren(c, sr);
        while (fn % 2 === 0 && fn !== 0) [fn, sn] = [up(fn), up(sn)];
      } else {
        sr = await hashChildren(sr, c);
      }
      [fn, sn] = [up(fn), up(sn)];
    }
    if (sn !== 0) throw new BoardError("consistency_path", params);
    if (!equal(fr, first) || !equal(sr, second)) throw new BoardError("consistency_roots", params);
    return true;
  }

  function isPowerOfTwo(n) {
    while (n > 1 && n % 2 === 0) n /= 2;
    return n === 1;
  }

  // ---- C2SP signed notes and checkpoints ----

  /** A checkpoint's parts: {text, origin, size, root, extensions, signatures}; nothing is verified yet. */
  function parseNote(note) {
    const fail = (what) => new BoardError("note_format", {what});
    if (typeof note !== "string") throw fail("it is not text");
    if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw fail("it holds control characters");
    // the text ends at the note's last empty line; the signatures follow it
    const split = note.lastIndexOf("\n\n");
    if (split < 0) throw fail("no empty line before the signatures");
    const text = note.slice(0, split + 1);
    const signatures = parseSignatures(note.slice(split + 2), fail);
    const lines = text.slice(0, -1).split("\n");
    if (lines.length < 3) throw fail("fewer than three lines");
    const [origin, sizeLine, rootLine, ...extensionLines] = lines;
    if (origin === "") throw fail("no origin");
    if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw fail("a wrong size");
    const root = fromBase64(rootLine, "the root", "note_format");
    if (root.length !== HASH_BYTES) throw fail("the root is not 32 bytes");
    const extensions = {};
    for (const line of extensionLines) {
      const space = line.indexOf(" ");
      const key = space < 0 ? line : line.slice(0, space);
      if (key in extensions) throw fail(`"${key}" twice`);
      extensions[key] = space < 0 ? "" : line.slice(space + 1);
    }
    return {text, origin, size: Number(sizeLine), root, extensions, signatures};
  }

  function parseSignatures(block, fail) {
    if (block === "" || !block.endsWith("\n")) throw fail("no signature lines");
    return block.slice(0, -1).split("\n").map((line) => {
      const match = /^\u2014 ([^\s+]+) ([A-Za-z0-9+/=]+)$/u.exec(line);
      if (!match) throw fail("a signature line of the wrong form");
      const bytes = fromBase64(match[2], "a signature", "note_format");
      if (bytes.length < 5) throw fail("a signature too short");
      return {name: match[1], keyId: bytes.slice(0, 4), signature: bytes.slice(4)};
    });
  }

  /** The verifier key "name+hash+base64(0x01 ‖ key)" as {name, keyId, publicKey}; its hash checked. */
  async function parseVkey(vkey) {
    const fail = (what) => new BoardError("vkey_format", {what});
    if (typeof vkey !== "string") throw fail("it is not text");
    const parts = vkey.split("+");
    // base64 itself may hold "+": the name and the hash end at the first two
    if (parts.length < 3) throw fail("it has not three parts");
    const name = parts[0];
    const hash = parts[1];
    const data = parts.slice(2).join("+");
    if (name === "" || /\s/u.test(name)) throw fail("a wrong name");
    if (!/^[0-9a-f]{8}$/.test(hash)) throw fail("the key hash is not 8 hex digits");
    const bytes = fromBase64(data, "the key", "vkey_format");
    if (bytes.length !== 33 || bytes[0] !== ED25519) throw fail("it is not an Ed25519 key");
    const keyId = (await sha256(concat(encoder.encode(name + "\n"), bytes))).slice(0, 4);
    if (toHex(keyId) !== hash) throw fail("the key hash does not match the key");
    return {name, keyId, publicKey: bytes.slice(1)};
  }

  /** The checkpoint {origin, size, root, extensions} once a signature of `vkey` verifies over it. */
  async function verifyNote(note, vkey) {
    const parsed = parseNote(note);
    const key = await parseVkey(vkey);
    // signatures of other keys are ignored, as the signed-note spec requires (witnesses, rotation)
    const ours = parsed.signatures.filter((line) => line.name === key.name && equal(line.keyId, key.keyId));
    if (ours.length === 0) throw new BoardError("not_signed");
    let publicKey;
    try {
      publicKey = await crypto.subtle.importKey("raw", key.publicKey, {name: "Ed25519"}, false, ["verify"]);
    } catch (error) {
      throw new BoardError("no_ed25519");
    }
    const signed = encoder.encode(parsed.text);
    for (const line of ours) {
      const valid = await crypto.subtle.verify({name: "Ed25519"}, publicKey, line.signature, signed)
        .catch(() => false);
      if (!valid) throw new BoardError("bad_signature");
    }
    return {origin: parsed.origin, size: parsed.size, root: parsed.root, extensions: parsed.extensions};
  }

  // ---- the whole check ----

  /** Every check of a bundle, in order, stopping at the first that fails: {ok, steps, error}. */
  async function checkBundle(bundle, texts = {}) {
    const steps = [];
    const step = async (name, work) => {
      try {
        const detail = await work();
        steps.push({name, ok: true, detail});
        return true;
      } catch (error) {
        const code = error instanceof BoardError ? error.code : "";
        const detail = code ? say(texts, code, error.params) : String(error && error.message || error);
        steps.push({name, ok: false, detail, code});
        return false;
      }
    };
    let leaf;
    let root;
    let checkpoint;
    const done = await step("leaf", async () => {
      if (bundle === null || typeof bundle !== "object") throw new BoardError("no_proof");
      leaf = await leafHash(bundle.row);
      return toHex(leaf);
    }) && await step("path", async () => {
      root = await rootFromInclusion(bundle.index, bundle.size, leaf, bundle.path);
      return toBase64(root);
    }) && await step("signature", async () => {
      checkpoint = await verifyNote(bundle.note, bundle.vkey);
      return `${checkpoint.origin}, ${checkpoint.size}`;
    }) && await step("root", async () => {
      if (checkpoint.size !== bundle.size) {
        throw new BoardError("size_mismatch", {noteSize: checkpoint.size, size: bundle.size});
      }
      if (!equal(checkpoint.root, root)) throw new BoardError("other_root");
      return toBase64(root);
    });
    const failed = steps.find((each) => !each.ok);
    return {ok: Boolean(done), steps, error: failed ? failed.detail : ""};
  }

  // ---- the page ----

  function readJson(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : undefined;
  }

  function show(result, texts) {
    const verdict = document.getElementById("board-verdict");
    if (verdict) {
      verdict.classList.remove("verified", "failed");
      verdict.classList.add(result.ok ? "verified" : "failed");
      verdict.textContent = result.ok ? say(texts, "verified") : say(texts, "failed", {error: result.error});
    }
    const list = document.getElementById("board-steps");
    if (list) {
      list.replaceChildren(...result.steps.map((each) => {
        const item = document.createElement("li");
        item.className = each.ok ? "verified" : "failed";
        const name = document.createElement("span");
        name.className = "step";
        name.textContent = say(texts, each.name);
        const detail = document.createElement(each.ok ? "code" : "span");
        detail.className = "detail";
        detail.textContent = each.detail;
        item.append(name, " ", detail);
        return item;
      }));
    }
  }

  /** Checks the page's #board-proof and shows the outcome; resolves to the result (null without a proof). */
  async function verifyPage() {
    if (!document.getElementById("board-proof")) return null;
    let texts;
    try {
      texts = readJson("board-texts") || {};
    } catch (error) {
      texts = {};  // unreadable texts: English it is
    }
    // WebCrypto exists only in a secure context (https, localhost): say why the check cannot run
    const insecure = document.getElementById("board-insecure");
    if (insecure && !window.isSecureContext) insecure.hidden = false;
    const verdict = document.getElementById("board-verdict");
    if (verdict) verdict.textContent = say(texts, "checking");
    let result;
    try {
      result = await checkBundle(readJson("board-proof"), texts);
    } catch (error) {  // checkBundle reports its failures: only JSON.parse throws here
      result = {ok: false, steps: [], error: say(texts, "bad_bundle", {what: "not JSON"})};
    }
    show(result, texts);
    return result;
  }

  const ready = document.readyState === "loading"
    ? new Promise((resolve) => document.addEventListener("DOMContentLoaded", () => resolve(verifyPage())))
    : verifyPage();

  window.Board = Object.freeze({
    FIELDS, ENGLISH, BoardError,
    leafText, leafHash, hashLeaf, hashChildren, rootFromInclusion, verifyInclusion, verifyConsistency,
    parseNote, parseVkey, verifyNote, checkBundle, verifyPage, ready,
    toHex, toBase64, fromBase64,
  });
})();
