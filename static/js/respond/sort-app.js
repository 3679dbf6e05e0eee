/**
 * The sorting page (templates/respond/sort.html): loads the sort, shows the presort or the grid phase,
 * saves every change (autosave.js) and submits the grid.
 *
 * Reads its settings from <script type="application/json" id="sort-config">: the URLs (stateUrl, draftUrl,
 * submitUrl, nextUrl) and the UI strings, translated on the server.
 */
import { SortStore, dealingOrder } from "./store.js";
import { AutoSaver, LocalDraft, chooseState, postJSON } from "./autosave.js";
import { Announcer, CardDialog, makeTranslator } from "./cards.js";
import { PresortView } from "./presort.js";
import { GridPhase } from "./grid.js";

const TEXT_SIZES = [0.85, 1, 1.15, 1.3, 1.5, 1.75];
const TEXT_SIZE_KEY = "qsort:text-size";

const config = JSON.parse(document.getElementById("sort-config").textContent);
const t = makeTranslator(config.strings || {});
const app = document.getElementById("sort-app");
const csrfMeta = document.querySelector('meta[name="csrf-token"]');

function csrfToken() {
  return csrfMeta ? csrfMeta.content : "";
}

/**
 * "You sent this sort before": on the grid of a sort that was submitted and reopened with "Change my sort"
 * (state.submitted_before). Hidden while the server refuses this sort (a save or the submit refused: the study
 * closed, completed in another tab), so it never promises a Continue that the message beside it rules out.
 */
const resubmitNotice = {
  element: document.getElementById("resubmit-notice"),
  sentBefore: false,
  refused: false,
  show(sentBefore) {
    this.sentBefore = sentBefore;
    this.update();
  },
  refuse(refused) {
    this.refused = refused;
    this.update();
  },
  update() {
    const shown = this.sentBefore && !this.refused;
    this.element.hidden = !shown;
    app.classList.toggle("with-notice", shown); // wide screens: the status bar makes room (respond.css)
  },
};

/** Show one message in the page's status line (saving indicator). */
function showSaveStatus(status, detail = "") {
  const indicator = document.getElementById("save-status");
  if (status !== "saving") resubmitNotice.refuse(status === "error");
  // Merged with another device's changes is saved; a conflict means this page now shows the server's state.
  indicator.dataset.status = status === "merged" ? "saved" : status;
  if ((status === "merged" || status === "conflict") && detail) {
    indicator.textContent = detail; // the server's own words: combined, or the other device's version kept
    return;
  }
  const key = { saved: "saved", saving: "saving", offline: "notSavedRetrying", error: "notSavedError", merged: "saved", conflict: "saved" }[status];
  indicator.textContent = t(key, { error: detail });
}

/** A+ / A- : the cards' text size, remembered in localStorage for every study. */
function setUpTextSize() {
  let index = TEXT_SIZES.indexOf(1);
  try {
    const saved = Number(window.localStorage.getItem(TEXT_SIZE_KEY));
    if (TEXT_SIZES.includes(saved)) index = TEXT_SIZES.indexOf(saved);
  } catch {
    /* no storage: default size */
  }
  const smaller = document.getElementById("text-smaller");
  const larger = document.getElementById("text-larger");
  const apply = () => {
    app.style.setProperty("--text-scale", String(TEXT_SIZES[index]));
    app.dataset.textSize = String(TEXT_SIZES[index]);
    smaller.disabled = index === 0;
    larger.disabled = index === TEXT_SIZES.length - 1;
    try {
      window.localStorage.setItem(TEXT_SIZE_KEY, String(TEXT_SIZES[index]));
    } catch {
      /* not remembered, still applied */
    }
  };
  smaller.addEventListener("click", () => {
    index = Math.max(0, index - 1);
    apply();
  });
  larger.addEventListener("click", () => {
    index = Math.min(TEXT_SIZES.length - 1, index + 1);
    apply();
  });
  apply();
}

/** The server refused to hand out the sort (study closed, sort completed ...): its message is final. */
class Refused extends Error {}

async function fetchState() {
  const response = await fetch(config.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      message = (await response.json()).error || message;
    } catch {
      /* not JSON */
    }
    throw new Refused(message);
  }
  return response.json();
}

function showLoadError(message = null) {
  const box = document.getElementById("load-error");
  if (message) box.textContent = message;
  box.hidden = false;
  document.getElementById("sort-loading").hidden = true;
}

async function main() {
  setUpTextSize();
  const local = new LocalDraft(`qsort:sort:${config.stateUrl}`);
  const cache = new LocalDraft(`qsort:study:${config.stateUrl}`);
  let data;
  try {
    data = await fetchState();
    cache.write({ study: data.study, statements: data.statements });
  } catch (error) {
    if (error instanceof Refused) {
      showLoadError(error.message);
      return;
    }
    // The page came but its data did not (connection lost in between): carry on from this browser's copies
    // of the study and of the sort, if it has both. Never start empty here: an empty sort saved later would
    // replace the one on the server.
    const cached = cache.read();
    if (!cached || !local.read()) {
      showLoadError();
      return;
    }
    // This browser's copy stands in for the server's state (it keeps the stored revision it was built on).
    data = { ...cached, state: { ...local.read() } };
  }
  if (data.state.locked) {
    window.location.assign(config.nextUrl); // the grid was submitted (in another tab): nothing to sort here
    return;
  }

  resubmitNotice.show(data.state.submitted_before === true);

  const { study, statements } = data;
  const order = dealingOrder(statements.map((s) => s.id), config.stateUrl);
  const store = new SortStore(study, statements, order);
  const { saved, push } = chooseState(data.state, local.read());
  store.load(saved);

  // The grid's ends and the piles come from the server, in the participant's language: the study's own
  // labels or the defaults (qsort/flow.py: study_labels), so no copy of them lives here.
  const labels = { most: study.labels.most, least: study.labels.least };
  const pileLabels = { agree: study.labels.agree, neutral: study.labels.neutral, disagree: study.labels.disagree };
  document.getElementById("presort-instruction").textContent = study.texts?.presort_instruction || "";
  document.getElementById("grid-instruction").textContent = study.texts?.sort_instruction || "";

  const announcer = new Announcer(document.getElementById("announcer"));
  const dialog = new CardDialog(document.getElementById("card-dialog"));
  const saver = new AutoSaver({
    url: config.draftUrl,
    csrf: csrfToken,
    store,
    local,
    onStatus: showSaveStatus,
    refreshCsrf: async () => {
      try {
        const fresh = await fetchState();
        if (fresh.csrf_token && csrfMeta) csrfMeta.content = fresh.csrf_token;
        return Boolean(fresh.csrf_token);
      } catch {
        return false;
      }
    },
  });

  const ctx = { store, t, announcer, dialog, labels, pileName: (pile) => pileLabels[pile] };
  const presort = new PresortView(document.getElementById("presort-phase"), {
    ...ctx,
    onContinue: () => {
      store.setStep("grid");
      saver.saveNow();
    },
  });
  const grid = new GridPhase(document.getElementById("grid-phase"), {
    ...ctx,
    onSubmit: () => submit(store, saver, grid, local),
  });

  let shown = null;
  const showPhase = () => {
    const phase = store.step === "grid" ? grid : presort;
    if (shown !== phase) {
      if (shown) shown.deactivate();
      document.getElementById("presort-phase").hidden = phase !== presort;
      document.getElementById("grid-phase").hidden = phase !== grid;
      app.dataset.phase = store.step;
      shown = phase;
      phase.activate();
      const heading = document.getElementById(phase === grid ? "grid-heading" : "presort-heading");
      if (heading && document.activeElement && document.activeElement !== document.body) heading.focus();
    } else {
      phase.render();
    }
  };

  store.subscribe((change) => {
    if (change.type !== "load") saver.changed();
    showPhase();
  });

  // Leaving or hiding the page: keep the newest state here and send it (not after the sort was submitted).
  const keepOnExit = () => {
    if (saver.stopped) return;
    local.write(store.snapshot());
    saver.sendOnExit();
  };

  // Time per step counts while the page is visible.
  store.setClockRunning(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", () => {
    store.setClockRunning(document.visibilityState === "visible");
    if (document.visibilityState === "hidden") keepOnExit();
  });
  window.addEventListener("pagehide", keepOnExit);

  document.getElementById("sort-loading").hidden = true;
  showPhase();
  if (push) {
    saver.changed();
    saver.saveNow();
  } else {
    saver.savedRevision = store.revision;
    showSaveStatus("saved");
  }
  app.dataset.ready = "true";
}

/** Continue: the server checks the grid again; 422 shows its message and keeps everything. */
async function submit(store, saver, grid, local) {
  const error = document.getElementById("submit-error");
  error.hidden = true;
  grid.setBusy(true);
  // Let the last draft arrive first (but do not wait forever when offline).
  await Promise.race([saver.settle(), new Promise((resolve) => setTimeout(resolve, 4000))]);
  let result;
  try {
    result = await postJSON(config.submitUrl, { placements: store.placements(), revision: store.revision }, csrfToken());
  } catch {
    result = null;
  }
  if (result && result.status === 200 && result.body && result.body.ok) {
    saver.stop();
    local.clear();
    window.location.assign(result.body.next || config.nextUrl);
    return;
  }
  if (result && result.status === 409 && result.body && result.body.next) {
    window.location.assign(result.body.next); // already submitted (another tab): carry on
    return;
  }
  if (result && result.status === 409) resubmitNotice.refuse(true); // e.g. the study closed: its message alone
  grid.setBusy(false);
  const problems = result?.body?.problems;
  let message = result?.body?.error || (result ? t("submitFailed") : t("submitOffline"));
  if (Array.isArray(problems)) {
    const more = problems.filter((p) => typeof p === "string" && !message.includes(p));
    if (more.length) message += ` ${more.join(" ")}`;
  }
  error.textContent = message;
  error.hidden = false;
  error.focus();
}

main();
