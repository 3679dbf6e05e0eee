"""Hundreds of customers sorting at once: ``qsort serve --workers 4`` under paced participants, then a count in the
database that nothing was lost or doubled.

It starts the real server (gunicorn, ``qsort serve --workers N``) on a free loopback port with a fresh SQLite
database (or a PostgreSQL one with ``--database-url``), creates a 40-card study (grid -4..+4, the five kinds of
post-sort question) with one invitation per participant, and lets every participant go through the whole flow over
HTTP, as a browser would (session cookie, CSRF token): open the link, consent, instructions, the sorting page and its
state, then autosaves like a person, one draft about every ``--interval`` seconds (jittered), each with the moves
made since the last (cards dealt onto piles, then into the grid, then a few rearranged), the grid submitted twice at
once (a double click), comments on the extreme cards, the answers, the thank-you page.

It prints, per endpoint: requests, errors (a status the flow does not expect, or no answer), p50/p95/p99/max latency
in ms, and the same by 5-second window of when requests were sent (the ramp, every participant at the grid, the
end of the flow: where the slow ones were); then reads the database: every participant whose submit was answered
200 must have exactly one sort, submitted, holding exactly the placements sent (each statement once, each column at
its height), every move sent exactly once, their comments and answers. Pacing goes through an injected ``sleep``
(``--time-scale`` stretches or shrinks every pause); nothing here asserts on time: the figures are printed.

    .venv/bin/python benchmarks/load.py                       # 300 participants, SQLite, 4 workers
    .venv/bin/python benchmarks/load.py --database-url postgresql+psycopg://qsort@127.0.0.1:54329/qsort
    .venv/bin/python benchmarks/load.py --max-rate --workers 1 # the most draft saves per second one worker takes

The load generator runs in this process (asyncio, one connection per request: gunicorn's sync workers close each
connection), on the same machine as the server: on a 2-core machine it takes a good share of one core.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_STATEMENTS = 40
SCORES = list(range(-4, 5))
HEIGHTS = [2, 3, 5, 6, 8, 6, 5, 3, 2]
EXPECTED = {  # endpoint -> the statuses the flow expects there
    "GET link": {302}, "GET welcome": {200}, "POST welcome": {302}, "GET instructions": {200},
    "POST instructions": {302}, "GET sort": {200}, "GET state": {200}, "POST draft": {200},
    "POST submit": {200}, "GET postsort": {200}, "POST postsort": {302}, "GET questions": {200},
    "POST questions": {302}, "GET done": {200},
}


# ----------------------------------------------------------------------------------------------------------------
# A small HTTP/1.1 client on asyncio streams (no dependency; one connection per request)
# ----------------------------------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Recorder:
    """Latency and outcome of every request, by endpoint, and when each was sent (for :meth:`timeline`)."""

    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.sent: list[tuple[float, str, float]] = []  # (perf_counter when sent, endpoint, seconds)

    def add(self, endpoint: str, started: float, problem: str | None) -> None:
        seconds = time.perf_counter() - started
        self.latencies[endpoint].append(seconds)
        self.sent.append((started, endpoint, seconds))
        if problem:
            self.errors[endpoint].append(problem)

    def table(self) -> str:
        lines = [f"{'endpoint':<18} {'count':>6} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)"]
        for endpoint in sorted(self.latencies, key=lambda e: list(EXPECTED).index(e) if e in EXPECTED else 99):
            values = sorted(self.latencies[endpoint])
            lines.append(f"{endpoint:<18} {len(values):>6} {len(self.errors[endpoint]):>6} {_ms(values, .5):>7.1f} "
                         f"{_ms(values, .95):>7.1f} {_ms(values, .99):>7.1f} {values[-1] * 1000:>7.1f}")
        return "\n".join(lines)

    def timeline(self, window: float = 5.0) -> str:
        """Requests per second and p95 by window of time sent: where in the run the slow requests were (the ramp,
        every participant at the grid, the end of the flow with its heavier pages)."""
        if not self.sent:
            return ""
        start = min(sent for sent, _, _ in self.sent)
        windows: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for sent, endpoint, seconds in self.sent:
            kind = endpoint if endpoint in ("POST draft", "POST submit") else "pages"
            windows[int((sent - start) // window)][kind].append(seconds)
        lines = [f"{'sent at':>9} {'req/s':>6} {'drafts/s':>8} {'draft p95':>9} {'submits':>7} {'submit p95':>10} "
                 f"{'pages/s':>7} {'page p95':>8}  (ms)"]
        for index in sorted(windows):
            kinds = windows[index]
            drafts, submits, pages = (sorted(kinds[k]) for k in ("POST draft", "POST submit", "pages"))
            total = len(drafts) + len(submits) + len(pages)
            lines.append(f"{index * window:>7.0f} s {total / window:>6.0f} {len(drafts) / window:>8.0f} "
                         f"{_ms(drafts, .95):>9.1f} {len(submits):>7} {_ms(submits, .95):>10.1f} "
                         f"{len(pages) / window:>7.0f} {_ms(pages, .95):>8.1f}")
        return "\n".join(lines)


def _ms(values: list[float], fraction: float) -> float:
    """The ``fraction`` percentile of sorted ``values`` (seconds), in ms; 0 for none."""
    return values[min(len(values) - 1, int(fraction * len(values)))] * 1000 if values else 0.0


class Browser:
    """One participant's browser: its cookies, the CSRF token of the last page, and its requests."""

    def __init__(self, host: str, port: int, recorder: Recorder):
        self.host, self.port, self.recorder = host, port, recorder
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    async def request(self, endpoint: str, method: str, path: str, *, form: dict | None = None,
                      payload=None, expect: set[int] | None = None) -> Response | None:
        headers = {"Host": f"{self.host}:{self.port}", "Connection": "close", "Accept-Language": "en"}
        body = b""
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.csrf
        if body or method == "POST":
            headers["Content-Length"] = str(len(body))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        raw = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        started = time.perf_counter()
        try:
            response = await asyncio.wait_for(self._exchange(raw.encode() + body), timeout=120)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            self.recorder.add(endpoint, started, f"{type(error).__name__}: {error}")
            return None
        expected = expect or EXPECTED.get(endpoint, {200})
        problem = None if response.status in expected else f"{response.status}: {response.text[:200]}"
        self.recorder.add(endpoint, started, problem)
        return response

    async def _exchange(self, data: bytes) -> Response:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(data)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    if name.lower() == "set-cookie":
                        cookie = value.strip().split(";", 1)[0]
                        key, _, val = cookie.partition("=")
                        self.cookies[key] = val
                    headers[name.lower()] = value.strip()
            length = headers.get("content-length")
            body = await (reader.readexactly(int(length)) if length is not None else reader.read())
            return Response(status, headers, body)
        finally:
            writer.close()

    def take_csrf(self, response: Response | None) -> None:
        if response is not None:
            match = re.search(r'name="csrf-token" content="([^"]+)"', response.text) or \
                re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)
            if match:
                self.csrf = match.group(1)


# ----------------------------------------------------------------------------------------------------------------
# A participant
# ----------------------------------------------------------------------------------------------------------------

@dataclass
class Sent:
    """What one participant sent and was told, for the database check."""

    token: str
    submitted: list[dict] | None = None   # placements of a submit answered 200
    moves: set[tuple[int, int]] = field(default_factory=set)  # (seq, statement id) of every move sent
    comments: dict[int, str] = field(default_factory=dict)
    answers_posted: bool = False
    finished: bool = False


Sleep = Callable[[float], Awaitable[None]]


async def participant(browser: Browser, sent: Sent, study: dict, drafts: int, interval: float, sleep: Sleep,
                      rng: random.Random) -> None:
    base = f"/s/{sent.token}"
    if (await browser.request("GET link", "GET", base)) is None:
        return
    browser.take_csrf(await browser.request("GET welcome", "GET", f"{base}/welcome"))
    await browser.request("POST welcome", "POST", f"{base}/welcome",
                          form={"csrf_token": browser.csrf, "consent": "y", "agree": "Start"})
    browser.take_csrf(await browser.request("GET instructions", "GET", f"{base}/instructions"))
    await browser.request("POST instructions", "POST", f"{base}/instructions",
                          form={"csrf_token": browser.csrf, "submit": "Continue"})
    browser.take_csrf(await browser.request("GET sort", "GET", f"{base}/sort"))
    state = await browser.request("GET state", "GET", f"{base}/api/state")
    if state is None or state.status != 200:
        return
    browser.csrf = state.json()["csrf_token"]

    # The plan: where each card ends (a valid grid), dealt onto piles first, then placed, then a few swaps.
    ids = [s["id"] for s in state.json()["statements"]]
    rng.shuffle(ids)
    target, slots, position = {}, {}, 0
    for score, height in zip(SCORES, HEIGHTS):
        for slot in range(height):
            target[ids[position]], slots[ids[position]] = score, slot
            position += 1
    pile = {sid: "agree" if score > 0 else "disagree" if score < 0 else "neutral" for sid, score in target.items()}
    presort_drafts = max(1, drafts // 3)
    grid_drafts = max(1, drafts - presort_drafts - 2)
    seq, revision, t0 = 0, 0, 1_700_000_000_000 + rng.randrange(10**9)
    presort: dict[str, str] = {}
    placed: dict[int, tuple[int, int]] = {}

    def move(sid: int, source: str, destination: str) -> dict:
        nonlocal seq
        seq += 1
        sent.moves.add((seq, sid))
        return {"statement_id": sid, "from": source, "to": destination, "t": t0 + seq * 1000, "seq": seq}

    async def save(step: str, moves: list[dict]) -> None:
        nonlocal revision
        revision += 1
        body = {"revision": revision, "base_revision": revision - 1, "step": step, "presort": presort, "moves": moves,
                "placements": [{"statement_id": s, "score": sc, "slot": sl} for s, (sc, sl) in placed.items()],
                "seconds": {"presort": float(revision * interval)} if step == "presort" else
                {"grid": float(revision * interval)}}
        await sleep(interval * rng.uniform(0.5, 1.5))
        await browser.request("POST draft", "POST", f"{base}/api/draft", payload=body)

    for chunk in _chunks(ids, presort_drafts):
        moves = [move(sid, "deck", f"pile:{pile[sid]}") for sid in chunk]
        presort.update({str(sid): pile[sid] for sid in chunk})
        await save("presort", moves)
    for chunk in _chunks(ids, grid_drafts):
        moves = []
        for sid in chunk:
            placed[sid] = (target[sid], slots[sid])
            moves.append(move(sid, f"pile:{pile[sid]}", f"grid:{target[sid]}"))
        await save("grid", moves)
    for _ in range(drafts - presort_drafts - grid_drafts):  # rearrange: swap two cards' slots within a column
        column = [sid for sid in ids if target[sid] == 0]
        a, b = rng.sample(column, 2)
        placed[a], placed[b] = (0, placed[b][1]), (0, placed[a][1])
        await save("grid", [move(a, "grid:0", "grid:0"), move(b, "grid:0", "grid:0")])

    # Continue, clicked twice: both requests at once.
    final = [{"statement_id": s, "score": sc, "slot": sl} for s, (sc, sl) in placed.items()]
    await sleep(interval * rng.uniform(0.5, 1.5))
    answers = await asyncio.gather(*[browser.request("POST submit", "POST", f"{base}/api/submit",
                                                     payload={"placements": final, "revision": revision})
                                     for _ in range(2)])
    if any(a is not None and a.status == 200 for a in answers):
        sent.submitted = final
    else:
        return

    page = await browser.request("GET postsort", "GET", f"{base}/postsort")
    browser.take_csrf(page)
    form = {"csrf_token": browser.csrf, "submit": "Continue"}
    for sid, score in target.items():
        if score in (SCORES[0], SCORES[-1]):
            sent.comments[sid] = f"Card {sid} matters because of reason {rng.randrange(1000)}."
            form[f"comment_{sid}"] = sent.comments[sid]
            if score == SCORES[-1]:
                form[f"would_pay_{sid}"] = "yes"
    await sleep(interval * rng.uniform(0.5, 1.5))
    await browser.request("POST postsort", "POST", f"{base}/postsort", form=form)
    browser.take_csrf(await browser.request("GET questions", "GET", f"{base}/questions"))
    form = {"csrf_token": browser.csrf, "submit": "Continue", **study["answer_form"]}
    await sleep(interval * rng.uniform(0.5, 1.5))
    posted = await browser.request("POST questions", "POST", f"{base}/questions", form=form)
    sent.answers_posted = posted is not None and posted.status == 302
    done = await browser.request("GET done", "GET", f"{base}/done")
    sent.finished = done is not None and done.status == 200


def _chunks(items: list, parts: int) -> list[list]:
    size = -(-len(items) // parts)
    return [items[i:i + size] for i in range(0, len(items), size)]


# ----------------------------------------------------------------------------------------------------------------
# The study, the server, the check
# ----------------------------------------------------------------------------------------------------------------

def prepare(url: str, participants: int) -> tuple[int, list[str], dict]:
    """Migrate the database, create the study and its invitations (directly, not through the studio)."""
    from qsort import create_app, db
    from qsort.models import Participant
    from tests.factories import make_study

    app = create_app({"SECRET_KEY": "load", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    db.upgrade_schema(app)
    session = app.extensions["qsort_sessionmaker"]()
    study, _ = make_study(session, N_STATEMENTS, scores=SCORES, heights=HEIGHTS, title="Load")
    people = [Participant(study=study, code=f"L{i:04d}", source="invite") for i in range(participants)]
    session.add_all(people)
    session.commit()
    kinds = {q.kind: q.id for q in study.questions}
    answer_form = {f"q{kinds['single']}": "decider", f"q{kinds['number']}": "12",
                   f"q{kinds['multiple']}": ["goods", "services"], f"q{kinds['likert']}": "4",
                   f"q{kinds['text']}": "Reliable delivery."}
    tokens = [p.token for p in people]
    study_id = study.id
    session.close()
    app.extensions["qsort_engine"].dispose()
    return study_id, tokens, {"answer_form": answer_form, "kinds": kinds}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds_of(pid: int | str) -> float:
    """User + system CPU time of one process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def children_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process's children (those alive now)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sum(cpu_seconds_of(child) for child in children)


def postgres_cpu_seconds(url: str) -> float | None:
    """CPU time used so far by a PostgreSQL server on this machine (postmaster and backends), None when the
    database is not PostgreSQL, not local, or will not say where its data folder is. On a 2-core machine the
    server's CPU competes with the workers': this figure shows its share."""
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            folder = connection.execute(text("SHOW data_directory")).scalar()
        postmaster = int(Path(folder, "postmaster.pid").read_text().split()[0])
        return cpu_seconds_of(postmaster) + children_cpu_seconds(postmaster)
    except Exception:  # noqa: BLE001 - a figure we print when we can, never a reason to fail the benchmark
        return None
    finally:
        engine.dispose()


class Server:
    """``qsort serve --workers N`` in a subprocess; its log goes to a file."""

    def __init__(self, url: str, workers: int, folder: Path, threads: int = 1):
        self.port = free_port()
        self.log_path = folder / "server.log"
        env = {**os.environ, "QSORT_DATABASE_URL": url, "QSORT_SECRET_KEY": "load-benchmark",
               "QSORT_PUBLIC_URL": f"http://127.0.0.1:{self.port}"}
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "qsort.cli", "serve", "--workers", str(workers), "--threads", str(threads),
             "--port", str(self.port)], env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=str(folder))

    def wait_ready(self, attempts: int = 300) -> None:
        import urllib.request

        for _ in range(attempts):
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer /healthz; see {self.log_path}")

    def worker_cpu_seconds(self) -> float:
        """CPU time used so far by the gunicorn workers (children of the master): on a shared machine this, not
        the wall clock, says what one worker could do with a core of its own."""
        return children_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class CpuMeter:
    """CPU time of the three parties sharing the machine during a run: the gunicorn workers, the local
    PostgreSQL server (when there is one) and this load generator."""

    def __init__(self, server: Server, url: str):
        self.server, self.url = server, url

    def read(self) -> tuple[float, float | None, float]:
        return self.server.worker_cpu_seconds(), postgres_cpu_seconds(self.url), time.process_time()

    def start(self) -> None:
        self.before = self.read()

    def stop(self) -> None:
        after = self.read()
        self.workers = after[0] - self.before[0]
        self.database = after[1] - self.before[1] if after[1] is not None and self.before[1] is not None else None
        self.generator = after[2] - self.before[2]

    def lines(self, requests: int, wall: float) -> list[str]:
        per = 1000 / max(requests, 1)
        lines = [f"workers' CPU: {self.workers:.1f} s = {self.workers * per:.1f} ms per request of any kind (pages "
                 f"included); the figure that holds on a busy machine"]
        if self.database is not None:
            lines.append(f"PostgreSQL server's CPU: {self.database:.1f} s = {self.database * per:.1f} ms per request")
        lines.append(f"load generator's CPU: {self.generator:.1f} s = {self.generator * per:.1f} ms per request; "
                     f"all three: {(self.workers + (self.database or 0) + self.generator) / wall:.2f} of "
                     f"{os.cpu_count()} cores busy on average")
        return lines


def check(url: str, study_id: int, sent: list[Sent]) -> dict[str, int]:
    """Count, in the database, sorts lost, doubled or incomplete, and moves lost or doubled."""
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from qsort.models import Answer, CardComment, Move, Participant, Placement, Sort

    engine = create_engine(url)
    counts = dict.fromkeys(["submitted", "stored", "lost", "doubled", "incomplete", "moves_sent", "moves_lost",
                            "moves_doubled", "comments_lost", "answers_lost"], 0)
    with Session(engine) as session:
        by_token = {p.token: p for p in session.scalars(select(Participant).where(Participant.study_id == study_id))}
        sorts_per_participant = dict(session.execute(
            select(Sort.participant_id, func.count()).join(Participant).where(Participant.study_id == study_id)
            .group_by(Sort.participant_id)).all())
        for one in sent:
            person = by_token[one.token]
            if one.submitted is None:
                continue
            counts["submitted"] += 1
            stored = sorts_per_participant.get(person.id, 0)
            if stored == 0 or person.sort is None or person.sort.state != "submitted" and not one.answers_posted \
                    and person.sort.state != "sorted":
                counts["lost"] += 1
                continue
            counts["stored"] += 1
            counts["doubled"] += stored > 1
            sort = person.sort
            placements = session.execute(select(Placement.statement_id, Placement.score, Placement.slot)
                                         .where(Placement.sort_id == sort.id)).all()
            expected = sorted((p["statement_id"], p["score"], p["slot"]) for p in one.submitted)
            heights = defaultdict(int)
            for _sid, score, _slot in placements:
                heights[score] += 1
            if sorted(placements) != expected or [heights[s] for s in SCORES] != HEIGHTS:
                counts["incomplete"] += 1
            moves = session.execute(select(Move.client_seq, Move.statement_id, func.count())
                                    .where(Move.sort_id == sort.id)
                                    .group_by(Move.client_seq, Move.statement_id)).all()
            stored_moves = {(seq, sid) for seq, sid, _n in moves}
            counts["moves_sent"] += len(one.moves)
            counts["moves_lost"] += len(one.moves - stored_moves)
            counts["moves_doubled"] += sum(n - 1 for _seq, _sid, n in moves)
            comments = dict(session.execute(select(CardComment.statement_id, CardComment.text)
                                            .where(CardComment.sort_id == sort.id)).all())
            if one.answers_posted and any(comments.get(sid) != text for sid, text in one.comments.items()):
                counts["comments_lost"] += 1
            answers = session.scalar(select(func.count()).select_from(Answer).where(Answer.sort_id == sort.id))
            if one.answers_posted and (answers != 5 or sort.state != "submitted"):
                counts["answers_lost"] += 1
    engine.dispose()
    return counts


async def run_flow(port: int, tokens: list[str], study: dict, args, sleep: Sleep) -> tuple[Recorder, list[Sent]]:
    recorder = Recorder()
    sent = [Sent(token) for token in tokens]
    rng = random.Random(args.seed)

    async def one(index: int) -> None:
        await sleep(args.ramp * index / max(1, len(tokens)))  # arrivals spread over the ramp
        await participant(Browser("127.0.0.1", port, recorder), sent[index], study, args.drafts, args.interval,
                          sleep, random.Random(rng.random()))

    await asyncio.gather(*[one(i) for i in range(len(tokens))])
    return recorder, sent


async def max_rate(port: int, tokens: list[str], seconds: float, concurrency: int) -> tuple[Recorder, int, float]:
    """Closed loop: ``concurrency`` participants at the grid save drafts back to back for ``seconds``."""
    recorder = Recorder()
    browsers = []
    for token in tokens[:concurrency]:
        browser = Browser("127.0.0.1", port, recorder)
        base = f"/s/{token}"
        browser.take_csrf(await browser.request("GET welcome", "GET", f"{base}/welcome"))
        await browser.request("POST welcome", "POST", f"{base}/welcome",
                              form={"csrf_token": browser.csrf, "consent": "y", "agree": "Start"})
        browser.take_csrf(await browser.request("GET instructions", "GET", f"{base}/instructions"))
        await browser.request("POST instructions", "POST", f"{base}/instructions",
                              form={"csrf_token": browser.csrf, "submit": "Continue"})
        state = (await browser.request("GET state", "GET", f"{base}/api/state")).json()
        browser.csrf = state["csrf_token"]
        browsers.append((browser, base, [s["id"] for s in state["statements"]]))
    deadline = time.perf_counter() + seconds
    saves = 0

    async def loop(browser: Browser, base: str, ids: list[int]) -> None:
        nonlocal saves
        revision, position = 0, 0
        placements = []
        for score, height in zip(SCORES, HEIGHTS):
            for slot in range(height):
                placements.append({"statement_id": ids[position], "score": score, "slot": slot})
                position += 1
        while time.perf_counter() < deadline:
            revision += 1
            sid = ids[revision % len(ids)]
            body = {"revision": revision, "base_revision": revision - 1, "step": "grid", "placements": placements,
                    "seconds": {"grid": revision},
                    "moves": [{"statement_id": sid, "from": "grid:0", "to": "grid:1", "t": revision, "seq": revision}]}
            await browser.request("POST draft", "POST", f"{base}/api/draft", payload=body)
            saves += 1

    started = time.perf_counter()
    await asyncio.gather(*[loop(*b) for b in browsers])
    return recorder, saves, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--drafts", type=int, default=15, help="draft saves per participant")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between a person's saves (mean)")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which participants arrive")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies every pause (0: no pauses)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--database-url", help="PostgreSQL (or SQLite) URL; default: a new SQLite file")
    parser.add_argument("--max-rate", action="store_true",
                        help="instead: drafts back to back from --concurrency participants for --seconds")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="qsort-load-"))
    url = args.database_url or f"sqlite:///{folder / 'load.sqlite'}"
    participants = max(args.participants, args.concurrency) if args.max_rate else args.participants
    study_id, tokens, study = prepare(url, participants)
    server = Server(url, args.workers, folder, args.threads)

    async def sleep(seconds: float) -> None:  # the injected clock: every pause goes through here
        if args.time_scale > 0 and seconds > 0:
            await asyncio.sleep(seconds * args.time_scale)

    engine = url.split("://")[0]
    try:
        server.wait_ready()
        started = time.perf_counter()
        if args.max_rate:
            load_before = os.getloadavg()[0]
            meter = CpuMeter(server, url)
            meter.start()
            recorder, saves, wall = asyncio.run(max_rate(server.port, tokens, args.seconds, args.concurrency))
            meter.stop()
            print(f"max rate: {args.workers} worker(s) x {args.threads} thread(s), {engine}, {args.concurrency} "
                  f"clients back to back: {saves} draft saves in {wall:.1f} s = {saves / wall:.0f} saves/s "
                  f"(load average {load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
            cpu = meter.workers
            print(f"worker CPU: {cpu:.1f} s = {cpu / max(saves, 1) * 1000:.2f} ms per save, i.e. "
                  f"{saves / cpu if cpu else 0:.0f} saves per CPU-second of one worker")
            if meter.database is not None:
                print(f"PostgreSQL server's CPU: {meter.database / max(saves, 1) * 1000:.2f} ms per save")
            print(recorder.table())
            return
        load_before = os.getloadavg()[0]
        meter = CpuMeter(server, url)
        meter.start()
        recorder, sent = asyncio.run(run_flow(server.port, tokens, study, args, sleep))
        wall = time.perf_counter() - started
        meter.stop()
    finally:
        server.stop()
    requests = sum(len(v) for v in recorder.latencies.values())
    drafts = len(recorder.latencies["POST draft"])
    print(f"{args.participants} participants, {args.drafts} drafts each ~{args.interval} s apart, "
          f"qsort serve --workers {args.workers} (x {args.threads} threads), {engine}; load average (1 min) "
          f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores")
    print(f"{requests} requests in {wall:.1f} s = {requests / wall:.0f} req/s; drafts {drafts / wall:.0f}/s overall")
    for line in meter.lines(requests, wall):
        print(line)
    print(f"latencies by the clock (load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}):")
    print(recorder.table())
    print("by time sent:")
    print(recorder.timeline())
    for endpoint, problems in recorder.errors.items():
        for problem in problems[:3]:
            print(f"  error {endpoint}: {problem}")
    counts = check(url, study_id, sent)
    finished = sum(one.finished for one in sent)
    print(f"database: {counts['submitted']} sorts submitted (200), {counts['stored']} stored, lost {counts['lost']}, "
          f"doubled {counts['doubled']}, incomplete or different {counts['incomplete']}; moves sent "
          f"{counts['moves_sent']}, lost {counts['moves_lost']}, doubled {counts['moves_doubled']}; comments lost "
          f"{counts['comments_lost']}, answers lost {counts['answers_lost']}; {finished} reached the thank-you page")
    print(f"server log: {server.log_path}")


if __name__ == "__main__":
    main()
