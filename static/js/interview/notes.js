/**
 * The interviewer's notes: kept in localStorage at once (never lost on reload or when offline), sent to the
 * server debounced (700 ms, at most 3 s behind), one request at a time and in order; a note the server has
 * confirmed is clean until it changes again. Each note has a client id, so a save sent twice updates one note.
 */
const DEBOUNCE_MS = 700;
const MAX_WAIT_MS = 3000;
const RETRY_MS = [1000, 2000, 5000, 10000];

export function newClientId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "n" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class NoteStore {
  /**
   * @param {string} key  localStorage key (one per session)
   * @param {string} url  the notes endpoint
   * @param {(status: string) => void} onStatus  "saved" | "saving" | "offline"
   */
  constructor(key, url, onStatus) {
    this.key = key;
    this.url = url;
    this.onStatus = onStatus;
    this.notes = new Map(); // client_id -> {client_id, statement_id, text, created_at, version, sent}
    this.inFlight = false;
    this.timer = null;
    this.firstDirtyAt = null;
    this.failures = 0;
    this.load();
  }

  load() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.key) || "[]");
      for (const note of stored) this.notes.set(note.client_id, note);
    } catch (_error) { /* a damaged copy: start from the server's */ }
  }

  persist() {
    localStorage.setItem(this.key, JSON.stringify([...this.notes.values()]));
  }

  /** Notes from the server: added when new here; a local note with unsent changes keeps its text. */
  merge(serverNotes) {
    for (const n of serverNotes) {
      const local = this.notes.get(n.client_id);
      if (!local) {
        this.notes.set(n.client_id, {client_id: n.client_id, statement_id: n.statement_id, text: n.text,
          created_at: Date.parse(n.created_at + "Z"), version: 0, sent: 0, author: n.author});
      } else if (local.version === local.sent) {
        local.text = n.text;
      }
    }
    this.persist();
  }

  dirty() { return [...this.notes.values()].filter((n) => n.version !== n.sent); }

  list() { return [...this.notes.values()].sort((a, b) => a.created_at - b.created_at); }

  create(statementId) {
    const note = {client_id: newClientId(), statement_id: statementId, text: "", created_at: Date.now(),
      version: 0, sent: 0};
    this.notes.set(note.client_id, note);
    this.persist();
    return note;
  }

  update(clientId, text) {
    const note = this.notes.get(clientId);
    if (!note) return;
    note.text = text;
    note.version += 1;
    this.persist();
    this.schedule();
  }

  schedule() {
    this.onStatus("saving");
    const now = Date.now();
    if (this.firstDirtyAt === null) this.firstDirtyAt = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, this.firstDirtyAt + MAX_WAIT_MS - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  async flush() {
    if (this.inFlight) return;
    const batch = this.dirty();
    if (!batch.length) { this.firstDirtyAt = null; this.onStatus("saved"); return; }
    this.inFlight = true;
    const versions = new Map(batch.map((n) => [n.client_id, n.version]));
    try {
      const response = await fetch(this.url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify({notes: batch.map((n) => ({client_id: n.client_id, text: n.text,
          statement_id: n.statement_id, created_at: n.created_at}))}),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      for (const [id, version] of versions) {
        const note = this.notes.get(id);
        if (note) note.sent = version;
      }
      this.persist();
      this.failures = 0;
      this.firstDirtyAt = null;
    } catch (_error) {
      this.failures += 1;
      this.onStatus("offline");
      this.inFlight = false;
      this.timer = setTimeout(() => this.flush(), RETRY_MS[Math.min(this.failures, RETRY_MS.length) - 1]);
      return;
    }
    this.inFlight = false;
    if (this.dirty().length) this.schedule(); else this.onStatus("saved");
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}
