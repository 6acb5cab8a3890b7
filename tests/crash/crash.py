#!/usr/bin/env python3
"""The crash test of the durable engine (issue 8): `itinera run --until-done` is SIGKILLed at
random points many times and restarted; at the end every expected message is in the record sink,
nothing unexpected is, and re-sends are counted.

    python3 tests/crash/crash.py PATH/TO/itinera [--contacts N] [--kills K] [--seed S] [--keep]

Design:
* A temporary root holds the database, the record file (`--sink record:PATH`), the journey, the
  contact and event files, and one log per child run.
* The journey (`crash`): trigger `crash_start` → SMS `sms1` → branch on `contact.slow` → wait
  2 s or 1 s → email `email2` → webhook `hook` → wait 1 s → WhatsApp template `wa3` → exit. No
  quiet hours, no frequency cap, every contact has every address and consent, so exactly one
  message key per contact and send/webhook node is expected:
  `crash:v1:CONTACT:1:NODE:1` (`idempotency_key` in crates/engine/src/program.rs; a few contact
  ids carry `:` and `%`, which the key escapes as `%3A` and `%25`).
* `itinera publish`, `contacts import`, `events push` (one trigger per contact; a quarter at
  once, the others with `at` times spread over the kill phase, so the engine has work at every
  kill), then K times: start `itinera run --db DB --sink record:REC --until-done`, sleep (half
  of the sleeps drawn from 0.05–0.4 s, half from 0.4–1.5 s, shuffled), SIGKILL it. Every other
  kill is aimed: after its sleep it waits for the record file to grow and kills at once, between
  the dispatcher's record writes and their commit. Then one last run must exit 0 by itself.
* Checks: every record line is whole JSON, except torn lines: a SIGKILL can cut the line being
  written short (Linux stops a write at a page boundary once a fatal signal is pending); such a
  line is counted and reported, and must stand alone (the sink ends it when it next opens the
  file) and be the start of a whole record (its row was not committed: the next run writes it
  again); a record glued to a torn line, or a torn line that starts no record, fails. The
  recorded keys are exactly the expected ones; a key recorded more than once is a re-send
  (counted, never a failure) and its copies must be identical; per contact the messages come in
  journey order, each wait at least as long as written; `itinera status --json` shows every
  contact `exited`, nothing waiting or pending; `PRAGMA integrity_check` is ok; no inbox input,
  timer or outbox row is left, no outbox row failed, and every contact logged the same number of
  steps.
* Output: the seed, one line per kill, then a figures block; `crash: ok`, or `crash: FAIL: ...`
  per violation and exit status 1.

Only the Python standard library is used; nothing is contacted over the network (the webhook
is recorded, not called).
"""

import argparse
import collections
import datetime
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

JOURNEY_ID = "crash"
TRIGGER = "crash_start"
# (node id, channel) of every node that sends, in journey order.
SENDS = [("sms1", "sms"), ("email2", "email"), ("hook", "webhook"), ("wa3", "whatsapp")]
LONG_WAIT_NS = 2_000_000_000  # wait2, for contacts with slow = true
SHORT_WAIT_NS = 1_000_000_000  # wait1, and the pause before wa3
SHORT_SLEEPS = (0.05, 0.4)
LONG_SLEEPS = (0.4, 1.5)
BUSY_WINDOW = 0.05  # seconds: a kill is "busy" when the record file grew this shortly before it
AIM_WAIT = 0.5  # seconds an aimed kill waits for the record file to grow


def journey():
    nodes = [
        {"id": "start", "type": "trigger", "event": TRIGGER},
        {"id": "sms1", "type": "send", "channel": "sms", "text": "Hi {{ contact.first_name }}, welcome aboard (crash test)."},
        {"id": "slow", "type": "branch", "condition": {"field": "contact.slow", "op": "eq", "value": True}},
        {"id": "wait2", "type": "wait", "for": "2s"},
        {"id": "wait1", "type": "wait", "for": "1s"},
        {
            "id": "email2",
            "type": "send",
            "channel": "email",
            "subject": "Hello {{ contact.first_name }}",
            "text": "Your second message, {{ contact.first_name }}.",
        },
        {
            "id": "hook",
            "type": "webhook",
            "method": "POST",
            "url": "https://hooks.example.com/crash",
            "headers": {"Content-Type": "application/json"},
            "body": '{"contact": "{{ contact.first_name }}"}',
        },
        {"id": "pause", "type": "wait", "for": "1s"},
        {
            "id": "wa3",
            "type": "send",
            "channel": "whatsapp",
            "template": {"name": "crash_done", "language": "en", "params": ["{{ contact.first_name }}"]},
        },
        {"id": "done", "type": "exit"},
    ]
    edges = [
        {"from": "start", "to": "sms1"},
        {"from": "sms1", "to": "slow"},
        {"from": "slow", "port": "yes", "to": "wait2"},
        {"from": "slow", "port": "no", "to": "wait1"},
        {"from": "wait2", "to": "email2"},
        {"from": "wait1", "to": "email2"},
        {"from": "email2", "to": "hook"},
        {"from": "hook", "to": "pause"},
        {"from": "pause", "to": "wa3"},
        {"from": "wa3", "to": "done"},
    ]
    return {"format": "itinera/journey@1", "id": JOURNEY_ID, "name": "Crash test", "settings": {"reentry": "never"}, "nodes": nodes, "edges": edges}


def contact_id(i):
    # Every 997th id carries the characters the idempotency key escapes.
    return f"c{i:05d}:x%y" if i % 997 == 5 else f"c{i:05d}"


def escape(part):
    return part.replace("%", "%25").replace(":", "%3A")


def key_of(contact, node):
    return f"{escape(JOURNEY_ID)}:v1:{escape(contact)}:1:{escape(node)}:1"


def rfc3339(nanos_since_epoch):
    secs, frac = divmod(nanos_since_epoch, 1_000_000_000)
    base = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}Z"


def parse_nanos(text):
    """An RFC 3339 UTC timestamp as jiff writes it (`...T12:34:56.123456789Z`) → nanoseconds."""
    if not text.endswith("Z"):
        raise ValueError(f"not a UTC timestamp: {text}")
    body = text[:-1]
    whole, _, frac = body.partition(".")
    dt = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1_000_000_000 + int((frac + "000000000")[:9] or 0)


def size_of(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


class Run:
    def __init__(self, args):
        self.args = args
        self.bin = args.binary
        self.violations = []
        self.root = tempfile.mkdtemp(prefix="itinera-crash-")
        self.db = os.path.join(self.root, "engine.db")
        self.records = os.path.join(self.root, "records.jsonl")
        self.child = None

    def fail(self, message):
        self.violations.append(message)
        print(f"crash: FAIL: {message}", flush=True)

    def cli(self, *argv, timeout=120):
        done = subprocess.run([self.bin, *argv], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise SystemExit(f"crash: `itinera {' '.join(argv)}` exited {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start_child(self, n):
        log = open(os.path.join(self.root, f"run-{n:03d}.log"), "wb")
        self.child = subprocess.Popen(
            [self.bin, "run", "--db", self.db, "--sink", f"record:{self.records}", "--until-done"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self.child

    def log_tail(self, n):
        path = os.path.join(self.root, f"run-{n:03d}.log")
        try:
            with open(path, "rb") as f:
                text = f.read()[-1500:].decode("utf-8", "replace")
        except OSError:
            text = ""
        return f"; the end of {os.path.basename(path)}:\n{text}" if text.strip() else f" ({os.path.basename(path)} is empty)"

    def cleanup(self, failed=False):
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        if self.args.keep or failed:
            print(f"crash: kept {self.root} (database, records, one log per run)")
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    # -----------------------------------------------------------------------------------------

    def prepare(self, rng):
        n = self.args.contacts
        journey_path = os.path.join(self.root, "crash.journey.json")
        with open(journey_path, "w") as f:
            json.dump(journey(), f, indent=1)
        self.contacts = []
        with open(os.path.join(self.root, "contacts.jsonl"), "w") as f:
            for i in range(n):
                cid = contact_id(i)
                slow = rng.random() < 0.5
                self.contacts.append((cid, slow))
                phone = f"+1555{i:07d}"
                line = {
                    "id": cid,
                    "timezone": "UTC",
                    "attributes": {"first_name": f"Ana{i}", "slow": slow},
                    "addresses": {"sms": phone, "whatsapp": phone, "email": f"c{i:05d}@example.com"},
                    "consent": {"sms": True, "whatsapp": True, "email": True},
                }
                f.write(json.dumps(line) + "\n")
        # Trigger times spread over the expected length of the kill phase (plus a first burst),
        # so every kill finds work: arrivals, sends, timers.
        spread = self.args.spread if self.args.spread is not None else sum(self.sleeps)
        now = time.time_ns() + 300_000_000
        with open(os.path.join(self.root, "events.jsonl"), "w") as f:
            for i, (cid, _) in enumerate(self.contacts):
                offset = 0 if i < n // 4 else int(rng.random() * spread * 1e9)
                line = {"id": f"start-{i}", "contact": cid, "name": TRIGGER, "data": {"batch": 1}, "at": rfc3339(now + offset)}
                f.write(json.dumps(line) + "\n")
        self.spread = spread
        published = json.loads(self.cli("publish", journey_path, "--db", self.db, "--json"))
        if (published.get("journey"), published.get("version")) != (JOURNEY_ID, 1):
            raise SystemExit(f"crash: publish answered {published}")
        print("crash: " + self.cli("contacts", "import", "--db", self.db, os.path.join(self.root, "contacts.jsonl")).strip())
        print("crash: " + self.cli("events", "push", "--db", self.db, os.path.join(self.root, "events.jsonl")).strip())
        self.expected = {}
        for cid, _ in self.contacts:
            for node, channel in SENDS:
                self.expected[key_of(cid, node)] = (cid, node, channel)

    def kill_loop(self):
        self.kills = []  # dicts: n, sleep, killed, busy, size
        for n, sleep in enumerate(self.sleeps):
            child = self.start_child(n)
            started = time.monotonic()
            deadline = started + sleep
            last_size, last_change = size_of(self.records), None
            while True:
                now = time.monotonic()
                if now >= deadline or child.poll() is not None:
                    break
                time.sleep(min(0.005, deadline - now))
                s = size_of(self.records)
                if s != last_size:
                    last_size, last_change = s, time.monotonic()
            # Every other kill then waits (at most AIM_WAIT) for the record file to grow and kills
            # at once: between the dispatcher's writes and its commit, where a re-send is made.
            aimed = n % 2 == 1
            if aimed and child.poll() is None:
                until = time.monotonic() + AIM_WAIT
                while time.monotonic() < until and child.poll() is None:
                    s = size_of(self.records)
                    if s != last_size:
                        last_size, last_change = s, time.monotonic()
                        break
                    time.sleep(0.0005)
            kill = {"n": n, "sleep": sleep, "killed": False, "busy": False, "aimed": aimed}
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                at = time.monotonic()
                child.wait()
                kill["killed"] = child.returncode == -signal.SIGKILL
                if not kill["killed"]:
                    self.fail(f"run {n + 1}: exited {child.returncode} instead of being killed{self.log_tail(n)}")
                kill["busy"] = last_change is not None and at - last_change <= BUSY_WINDOW
            elif child.returncode != 0:
                self.fail(f"run {n + 1}: exited {child.returncode} by itself before the kill{self.log_tail(n)}")
            kill["size"] = size_of(self.records)
            self.kills.append(kill)
            if kill["killed"]:
                how = "right after a record write" if aimed and kill["busy"] else "aimed, but no record was written" if aimed else "at random"
                busy = f", records written in the last {BUSY_WINDOW * 1000:.0f} ms" if kill["busy"] and not aimed else ""
                state = f"killed after {time.monotonic() - started:.2f} s ({how}{busy})"
            else:
                state = f"exited {child.returncode} by itself after {time.monotonic() - started:.2f} s"
            print(f"crash: run {n + 1}/{len(self.sleeps)}: {state}; record file {kill['size']} bytes", flush=True)

    def final_run(self):
        n = len(self.sleeps)
        child = self.start_child(n)
        timeout = self.args.timeout if self.args.timeout is not None else 60 + self.spread + self.args.contacts * 0.02
        try:
            rc = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            self.fail(f"the last run did not finish within {timeout:.0f} s{self.log_tail(n)}")
            return False
        if rc != 0:
            self.fail(f"the last run exited {rc}{self.log_tail(n)}")
            return False
        self.final_size = size_of(self.records)
        print(f"crash: last run exited 0 by itself; record file {self.final_size} bytes", flush=True)
        return True

    # -----------------------------------------------------------------------------------------

    def read_records(self):
        """Every whole record with its byte offset, and the torn lines.

        A SIGKILL can cut the line being written short (Linux stops a write to a file at a page
        boundary once a fatal signal is pending). The sink ends such a line when it next opens
        the file, so a torn line stands alone and is the start of a record that the next run
        writes again, whole (its outbox row was not committed). Returns (records, torn lines as
        (offset, bytes), problems)."""
        with open(self.records, "rb") as f:
            data = f.read()
        records, torn, problems, whole = [], [], [], []
        offset = 0
        for raw in data.split(b"\n"):
            start = offset
            offset += len(raw) + 1
            if not raw:
                continue
            try:
                records.append((start, json.loads(raw)))
                whole.append(raw)
                continue
            except ValueError:
                pass
            torn.append((start, raw))
            # Glued: a torn line the next record was appended to without a newline between.
            cut = raw.rfind(b'{"key":')
            if cut > 0:
                problems.append(f"a record glued to a torn line at byte {start}: {raw[:160]!r}")
                try:
                    records.append((start + cut, json.loads(raw[cut:])))
                    whole.append(raw[cut:])
                except ValueError:
                    pass
        if data and not data.endswith(b"\n"):
            problems.append(f"the record file does not end with a newline after the last run: {data[-160:]!r}")
        for start, raw in torn:
            if raw.rfind(b'{"key":') > 0:
                continue
            if not any(w.startswith(raw) for w in whole):
                problems.append(f"a torn line at byte {start} is not the start of any whole record: {raw[:160]!r}")
        return records, torn, problems

    def check(self):
        figures = {}
        records, torn, problems = self.read_records()
        lengths = [(at, raw.rfind(b'{"key":') if raw.rfind(b'{"key":') > 0 else len(raw)) for at, raw in torn]
        figures["torn"] = [(at, n, (at + n) % 4096 == 0) for at, n in lengths]
        for problem in problems:
            self.fail(problem)
        by_key = collections.defaultdict(list)
        for offset, rec in records:
            by_key[rec.get("key")].append((offset, rec))
        unexpected = [k for k in by_key if k not in self.expected]
        missing = [k for k in self.expected if k not in by_key]
        for k in sorted(unexpected, key=str)[:10]:
            self.fail(f"unexpected key {k!r} ({len(by_key[k])} record(s))")
        if len(unexpected) > 10:
            self.fail(f"... {len(unexpected)} unexpected keys in all")
        for k in sorted(missing)[:10]:
            self.fail(f"missing key {k!r}")
        if len(missing) > 10:
            self.fail(f"... {len(missing)} missing keys in all")
        # Each record says what its key says; copies of a key are identical.
        differing = 0
        for k, copies in by_key.items():
            if k not in self.expected:
                continue
            cid, node, channel = self.expected[k]
            rec = copies[0][1]
            if (rec.get("journey"), rec.get("version"), rec.get("contact"), rec.get("node"), rec.get("channel")) != (
                JOURNEY_ID,
                1,
                cid,
                node,
                channel,
            ):
                self.fail(f"record of {k!r} says {rec}")
            if any(c[1] != rec for c in copies[1:]):
                differing += 1
                if differing <= 5:
                    self.fail(f"the copies of {k!r} differ: {[c[1] for c in copies]}")
        # Re-sends, and the kills that made them (the record file's size at each kill splits it
        # into segments, one per run).
        boundaries = [k["size"] for k in self.kills]

        def segment(offset):
            for i, b in enumerate(boundaries):
                if offset < b:
                    return i
            return len(boundaries)

        dup_keys = {k: len(v) for k, v in by_key.items() if len(v) > 1}
        figures["dup_keys"] = len(dup_keys)
        figures["dup_lines"] = sum(n - 1 for n in dup_keys.values())
        per_kill = collections.Counter()
        for k in dup_keys:
            # Each extra copy was made by the kill that ended the segment of the copy before it.
            copies = by_key[k]
            for j in range(1, len(copies)):
                per_kill[segment(copies[j - 1][0])] += 1
        figures["dup_per_kill"] = per_kill
        figures["dup_channels"] = collections.Counter(self.expected[k][2] for k in dup_keys if k in self.expected)
        # Journey order and waits, per contact (first copies).
        order_bad = 0
        for cid, slow in self.contacts:
            firsts = []
            for node, _ in SENDS:
                copies = by_key.get(key_of(cid, node))
                firsts.append(copies[0] if copies else None)
            if None in firsts:
                continue
            offsets = [f[0] for f in firsts]
            ats = [parse_nanos(f[1]["at"]) for f in firsts]
            problems = []
            if offsets != sorted(offsets):
                problems.append("recorded out of journey order")
            wait = LONG_WAIT_NS if slow else SHORT_WAIT_NS
            if ats[1] - ats[0] < wait:
                problems.append(f"email2 {(ats[1] - ats[0]) / 1e9:.3f} s after sms1 (wait {wait / 1e9:.0f} s)")
            if ats[2] < ats[1]:
                problems.append("hook before email2")
            if ats[3] - ats[2] < SHORT_WAIT_NS:
                problems.append(f"wa3 {(ats[3] - ats[2]) / 1e9:.3f} s after hook (wait 1 s)")
            if problems:
                order_bad += 1
                if order_bad <= 5:
                    self.fail(f"contact {cid}: " + "; ".join(problems))
        if order_bad > 5:
            self.fail(f"... {order_bad} contacts out of order in all")
        figures["expected"] = len(self.expected)
        figures["recorded"] = len(records)
        figures["distinct"] = len([k for k in by_key if k in self.expected])
        figures["unexpected"] = len(unexpected)

        # itinera status --json
        n = self.args.contacts
        status = json.loads(self.cli("status", "--db", self.db, "--json"))
        if len(status) != 1:
            self.fail(f"status shows {len(status)} journey versions, not 1")
        else:
            v = status[0]
            want = {"exited": n, "goal": 0, "left": 0, "not_entered": 0, "waiting": 0}
            if v.get("outcomes") != want:
                self.fail(f"status outcomes {v.get('outcomes')}, expected {want}")
            if v.get("waiting"):
                self.fail(f"status shows contacts waiting: {v['waiting']}")
            if v.get("entered") != n:
                self.fail(f"status shows {v.get('entered')} entered, expected {n}")
            for _, channel in SENDS:
                m = v.get("messages", {}).get(channel, {})
                want_m = {"sent": n, "failed": 0, "pending": 0}
                got = {w: m.get(w, 0) for w in want_m}
                if got != want_m:
                    self.fail(f"status {channel}: {m}, expected {want_m}")
            figures["status"] = v.get("outcomes")

        # The database itself.
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                self.fail(f"PRAGMA integrity_check: {integrity[:5]}")
            figures["integrity"] = integrity[0] if len(integrity) == 1 else integrity
            one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
            left = {
                "inbox inputs not applied": one("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL"),
                "timers": one("SELECT COUNT(*) FROM enrollments WHERE due_at IS NOT NULL"),
                "outbox rows pending": one("SELECT COUNT(*) FROM outbox WHERE status = 'pending'"),
                "outbox rows failed": one("SELECT COUNT(*) FROM outbox WHERE status = 'failed'"),
            }
            for what, count in left.items():
                if count:
                    self.fail(f"{count} {what} left in the database")
            rows = one("SELECT COUNT(*) FROM outbox")
            if rows != len(self.expected):
                self.fail(f"{rows} outbox rows, expected {len(self.expected)}")
            results = one("SELECT COUNT(*) FROM inbox WHERE id LIKE 'result:%'")
            if results != len(self.expected):
                self.fail(f"{results} result inputs, expected {len(self.expected)} (one per outbox row)")
            enrollments = one("SELECT COUNT(*) FROM enrollments")
            if enrollments != n:
                self.fail(f"{enrollments} enrollments, expected {n}")
            counts = collections.Counter(r[0] for r in conn.execute("SELECT COUNT(*) FROM steps GROUP BY contact"))
            if len(counts) != 1:
                self.fail(f"contacts logged different numbers of steps: {dict(counts)} (steps per contact: contacts)")
            figures["steps"] = dict(counts)
            attempts = one("SELECT SUM(attempts) FROM outbox")
            figures["attempts"] = attempts
        finally:
            conn.close()
        # The children's logs: no panic.
        for name in sorted(os.listdir(self.root)):
            if name.startswith("run-") and name.endswith(".log"):
                with open(os.path.join(self.root, name), "rb") as f:
                    text = f.read()
                if b"panicked" in text:
                    self.fail(f"{name}: {text.decode('utf-8', 'replace')[-400:]}")
        return figures


def print_figures(run, figures, seed, args, wall, setup):
    killed = [k for k in run.kills if k["killed"]]
    aimed = [k for k in killed if k["aimed"]]
    # Mid-work: the child had not finished when it was killed, and the runs after it recorded more.
    mid = sum(1 for k in killed if run.final_size > k["size"])
    resending = {i for i in figures["dup_per_kill"] if i < len(run.kills)}
    resent_aimed = sum(1 for i in resending if run.kills[i]["aimed"])
    runs = ", ".join(f"{i + 1} ({figures['dup_per_kill'][i]})" for i in sorted(resending)) or "none"
    channels = ", ".join(f"{c} {n}" for c, n in sorted(figures["dup_channels"].items())) or "none"
    steps = ", ".join(f"{s} ({n} contacts)" for s, n in sorted(figures.get("steps", {}).items()))
    print("crash: figures")
    print(f"  contacts              {args.contacts}")
    print(f"  seed                  {seed}")
    ended = len(run.kills) - len(killed)
    print(f"  kills                 {len(killed)} ({len(aimed)} aimed right after a record write){f'; {ended} run(s) ended by themselves first' if ended else ''}")
    print(f"  kills mid-work        {mid} (the child had not finished, and the record file grew after the restart)")
    print(f"  kills while writing   {sum(k['busy'] for k in killed)} (a record written within {BUSY_WINDOW * 1000:.0f} ms before the kill)")
    print(f"  kills that re-sent    {len(resending)} ({resent_aimed} aimed); runs (extra lines): {runs}")
    print(f"  wall time             {wall:.1f} s (setup {setup:.1f} s; triggers spread over {run.spread:.1f} s)")
    print(f"  messages expected     {figures['expected']}")
    print(f"  messages recorded     {figures['recorded']} lines, {figures['distinct']} distinct expected keys, {figures['unexpected']} unexpected")
    print(f"  duplicates            {figures['dup_keys']} key(s) recorded more than once, {figures['dup_lines']} extra line(s) ({channels})")
    torn = figures["torn"]
    at_page = sum(1 for t in torn if t[2])
    detail = f" ({at_page} cut at a 4 KiB page boundary; each is the start of a record written whole again)" if torn else ""
    print(f"  torn lines            {len(torn)}{detail}")
    print(f"  attempts committed    {figures.get('attempts')} (SUM(outbox.attempts): the killed attempt of a re-sent row is not among them)")
    print(f"  steps per contact     {steps}")
    print(f"  integrity_check       {figures.get('integrity')}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="the itinera binary")
    parser.add_argument("--contacts", type=int, default=3000, help="contacts (default 3000)")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs before the last run (default 12)")
    parser.add_argument("--seed", type=int, default=None, help="the seed of the sleeps and the contacts (default: random, printed)")
    parser.add_argument("--spread", type=float, default=None, help="seconds over which the trigger events are spread (default: the sum of the sleeps)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds the last run may take")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, records, logs)")
    args = parser.parse_args()
    if args.contacts < 1 or args.kills < 0:
        parser.error("--contacts must be at least 1 and --kills at least 0")
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    print(f"crash: seed {seed} (repeat the sleeps and contacts with --seed {seed}); {args.contacts} contacts, {args.kills} kills", flush=True)
    rng = random.Random(seed)
    run = Run(args)
    started = time.monotonic()
    try:
        sleeps = [rng.uniform(*SHORT_SLEEPS) for _ in range(args.kills // 2)]
        sleeps += [rng.uniform(*LONG_SLEEPS) for _ in range(args.kills - len(sleeps))]
        rng.shuffle(sleeps)
        run.sleeps = sleeps
        run.prepare(rng)
        prepared = time.monotonic()
        run.kill_loop()
        finished = run.final_run()
        ended = time.monotonic()
        figures = run.check() if finished else None
    finally:
        run.cleanup(failed=bool(run.violations) or sys.exc_info()[0] is not None)
    if figures is not None:
        print_figures(run, figures, seed, args, ended - started, prepared - started)
    if run.violations:
        print(f"crash: FAIL ({len(run.violations)} violation(s))")
        return 1
    print("crash: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
