/**
 * Never lose work: the sort goes to localStorage at once and to the server a moment later.
 *
 * Server saves are debounced (600 ms, at most 3 s behind), strictly in order (one request in flight; changes made meanwhile
 * are sent as one follow-up with the newest state), carry this page's revision, the stored revision the state was
 * built on (`base_revision`) and the CSRF header. The server decides what a save from a stale page becomes: its
 * moves merged on top of another device's newer state (200 `merged` with the state to load) or refused (409
 * `conflict` with the stored state): either way the page loads the server's state and says so; it never re-sends
 * its own state "on top". Network errors and 5xx: retry with backoff (1 s, 2 s, 4 s ... 30 s) and at once when the
 * browser comes back online. The status ("saved", "saving", "offline", "error", "merged", "conflict") is reported
 * through `onStatus`.
 *
 * Time comes from an injectable clock ({now, setTimeout, clearTimeout}; the browser's by default), so tests drive
 * the debounce and the backoff with a fake clock instead of waiting.
 */

const DEBOUNCE_MS = 600;
const MAX_WAIT_MS = 3000; // someone who never pauses for 600 ms still gets a save every 3 s
const MAX_BACKOFF_MS = 30000;

/** The browser's clock. */
export const realClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => window.setTimeout(callback, ms),
  clearTimeout: (id) => window.clearTimeout(id),
};

export class LocalDraft {
  constructor(key) {
    this.key = key;
  }

  read() {
    try {
      const raw = window.localStorage.getItem(this.key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null; // private mode or a corrupt entry: the server copy still stands
    }
  }

  write(value) {
    try {
      window.localStorage.setItem(this.key, JSON.stringify(value));
      return true;
    } catch {
      return false;
    }
  }

  clear() {
    try {
      window.localStorage.removeItem(this.key);
    } catch {
      /* nothing to clear */
    }
  }
}

/** POST JSON with the CSRF header; resolves to {status, body} (body null when it is not JSON). */
export async function postJSON(url, payload, csrfToken, { keepalive = false } = {}) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    keepalive,
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(payload),
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body };
}

export class AutoSaver {
  /**
   * @param {object} options
   * @param {string} options.url         POST /api/draft
   * @param {() => string} options.csrf  the current CSRF token
   * @param {SortStore} options.store
   * @param {LocalDraft} options.local
   * @param {(status: string, detail?: string) => void} options.onStatus
   * @param {() => Promise<boolean>} [options.refreshCsrf]  fetch a fresh token after a CSRF failure
   * @param {{now: () => number, setTimeout: Function, clearTimeout: Function}} [options.clock]  realClock by default
   */
  constructor({ url, csrf, store, local, onStatus, refreshCsrf = null, clock = realClock }) {
    this.url = url;
    this.csrf = csrf;
    this.store = store;
    this.local = local;
    this.onStatus = onStatus;
    this.refreshCsrf = refreshCsrf;
    this.clock = clock;
    this.timer = null;
    this.inFlight = null; // the running request's promise
    this._savedRevision = null; // the newest revision of this page the server confirmed
    this.failures = 0;
    this.firstUnsentAt = null; // when the oldest change not yet sent was made
    this.stopped = false;
    this.idleWaiters = [];
    window.addEventListener("online", () => this.saveNow());
  }

  get savedRevision() {
    return this._savedRevision;
  }

  /** Also kept in the store, so the local copy knows whether it holds changes the server has not confirmed. */
  set savedRevision(revision) {
    this._savedRevision = revision;
    this.store.savedRevision = revision;
  }

  /** Something changed: keep it locally now, send it to the server after the debounce. */
  changed() {
    if (this.stopped) return;
    this.local.write(this.store.snapshot());
    this.onStatus("saving");
    const now = this.clock.now();
    if (this.firstUnsentAt === null) this.firstUnsentAt = now;
    this.schedule(Math.min(DEBOUNCE_MS, Math.max(0, this.firstUnsentAt + MAX_WAIT_MS - now)));
  }

  /** Send without waiting for the debounce (phase change, leaving the page, before submit). */
  saveNow() {
    this.schedule(0);
  }

  isClean() {
    return this.savedRevision !== null && this.savedRevision >= this.store.revision;
  }

  /** Resolves once nothing is waiting or in flight (or the last attempt failed). */
  settle() {
    if (!this.timer && !this.inFlight) return Promise.resolve(this.isClean());
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop saving (the sort was submitted). */
  stop() {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Leaving the page: a last request that the browser finishes even as the page goes away. */
  sendOnExit() {
    // Even with a request in flight: the browser may cancel that one as the page goes (a repeat of the same
    // revision only gets a harmless 409).
    if (this.stopped || this.isClean()) return;
    postJSON(this.url, this.store.draft(), this.csrf(), { keepalive: true }).catch(() => {});
  }

  schedule(delay) {
    if (this.stopped) return;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.send();
    }, delay);
  }

  async send() {
    if (this.stopped) return;
    if (this.inFlight) return; // the follow-up after this request sends the newest state
    const draft = this.store.draft();
    this.firstUnsentAt = null;
    this.onStatus("saving");
    this.inFlight = this.attempt(draft);
    let next;
    try {
      next = await this.inFlight;
    } finally {
      this.inFlight = null;
    }
    if (next === "again") this.schedule(0);
    else if (next === "retry") this.schedule(Math.min(1000 * 2 ** (this.failures - 1), MAX_BACKOFF_MS));
    else if (next === "done" && !this.isClean()) this.schedule(0); // changes made while it was in flight
    if (!this.timer) this.notifyIdle();
  }

  /** One request; returns "done", "again" (send at once) or "retry" (after the backoff). */
  async attempt(draft) {
    let result;
    try {
      result = await postJSON(this.url, draft, this.csrf());
    } catch {
      this.failures += 1;
      this.onStatus("offline");
      return "retry";
    }
    const { status, body } = result;
    const sentSeqs = draft.moves.map((m) => m.seq);
    if (status === 200 && body && body.ok && body.merged && body.state) {
      // Built on an older revision: the server applied our moves on top of another device's newer state.
      this.failures = 0;
      this.loadServerState(body.state);
      this.onStatus("merged", body.message || "");
      return "done";
    }
    if (status === 200 && body && body.ok) {
      this.failures = 0;
      this.store.acknowledgeMoves(sentSeqs);
      const changedMeanwhile = this.store.revision !== draft.revision;
      this.store.savedAs(Number(body.revision ?? draft.revision), changedMeanwhile);
      this.savedRevision = changedMeanwhile ? draft.revision : this.store.revision;
      this.local.write(this.store.snapshot());
      this.onStatus(this.isClean() ? "saved" : "saving");
      return "done";
    }
    if (status === 409 && body && body.conflict && body.state) {
      // Another device changed the same cards: the server kept its state (and logged our moves). Show it.
      this.failures = 0;
      this.loadServerState(body.state);
      this.onStatus("conflict", body.error || "");
      return "done";
    }
    if (status === 413 && body && body.too_many_moves && !this.store.moveLogFull) {
      // The sort's move log is full: keep saving the cards, without moves from now on.
      this.store.moveLogFull = true;
      this.store.pendingMoves = [];
      return "again";
    }
    if (status === 400 && body && /csrf/i.test(body.error || "") && this.refreshCsrf && this.failures < 1) {
      this.failures += 1;
      if (await this.refreshCsrf()) return "again";
    }
    if (status >= 500 || status === 0 || status === 429) {
      this.failures += 1;
      this.onStatus("offline");
      return "retry";
    }
    // 400/403/404/409 without revision: resending the same thing will not help. Keep it locally and say so.
    this.failures += 1;
    this.onStatus("error", (body && body.error) || `HTTP ${status}`);
    return "done-failed";
  }

  /** Continue from the server's state (merged or refused save): nothing of this page's is pending any more. */
  loadServerState(state) {
    this.store.load({ ...state, pendingMoves: [] });
    this.savedRevision = this.store.revision;
    this.local.write(this.store.snapshot());
  }

  notifyIdle() {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve(this.isClean());
  }
}

/**
 * Which saved state to continue from: the server's, unless this browser holds changes the server has not
 * confirmed (saved locally, e.g. the connection dropped). Those are pushed as a draft built on the stored
 * revision the local copy started from, so the server merges or refuses them if another device saved since.
 * Returns {saved, push}.
 */
export function chooseState(serverState, localState) {
  if (localState && hasUnsavedChanges(localState)) {
    return { saved: { ...localState, base_revision: Number(localState.base_revision) || 0 }, push: true };
  }
  // The server may not know the seconds of this browser's last unsaved moments: keep the larger totals.
  const seconds = { ...(serverState.seconds || {}) };
  for (const [step, value] of Object.entries((localState && localState.seconds) || {})) {
    seconds[step] = Math.max(Number(seconds[step]) || 0, Number(value) || 0);
  }
  return { saved: { ...serverState, seconds, pendingMoves: [] }, push: false };
}

function hasUnsavedChanges(localState) {
  if (Array.isArray(localState.pendingMoves) && localState.pendingMoves.length) return true;
  const saved = localState.saved_revision;
  return saved === null || saved === undefined
    ? Number(localState.revision) > Number(localState.base_revision || 0)
    : Number(localState.revision) > Number(saved);
}
