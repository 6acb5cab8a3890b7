#!/usr/bin/env python3
"""The hostile-input suite of issue 7: no input can crash the server, hang it, write outside the
folder, or act for another site.

    python3 tests/hostile/hostile.py PATH/TO/itinera [--only SUBSTRING ...] [--list] [--keep]

Design:
* One temporary root holds `work/` (the server's `--dir`), `sentinel/` beside it (a few files
  nothing may ever touch) and `harness/` (logs, CLI inputs). The sentinel is listed (type, size,
  mtime, SHA-256, link target) before and after every case, with the root's own listing; any
  change fails the case.
* The server runs as `prlimit --as=2147483648 -- itinera serve --dir WORK --port 0` with a random
  `ITINERA_API_TOKEN`, in its own process group. After every case: `GET /health` must answer 200
  within 5 s and the process must be alive. A dead server is recorded and restarted; after any
  failed case the server is restarted as well, so a runaway request cannot spoil the next case.
* Every case has a time bound (a deadline that caps every socket timeout inside it); every socket
  and every subprocess has a timeout; CLI cases run under the same prlimit.
* No answer (and no CLI output of a server case) may contain the work folder's absolute path.
* Big inputs are generated here at run time; nothing large is committed.
* Output: one line per case, `ok NAME (1.23 s)` or `FAIL NAME: why`, then `N passed, N failed`;
  exit status 1 when any case failed.

Only the Python standard library is used, and only 127.0.0.1 is contacted.
"""

import argparse
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

CAP = 2147483648  # bytes of address space for the server and every CLI run
PRLIMIT = ["prlimit", f"--as={CAP}", "--"]
HEALTH_TIMEOUT = 5.0
WORK_SENTINEL_FILES = {
    "secret.txt": b"do not touch\n",
    "target.journey.json": None,  # a valid journey, filled in below
    "notes.md": b"# sentinel\nnothing outside the folder may change\n",
    "sub/deep.txt": b"still here\n",
}
BIG_INTEGER = "123456789012345678901234567890"
BIG_DECIMAL = "3.14159265358979323846264338327950288419716939937510"
RFC3339_COMPLAINT = "not an RFC 3339 timestamp"


class CaseFailure(Exception):
    """A case's expectation did not hold; the message says which."""


def check(condition, message):
    if not condition:
        raise CaseFailure(message)


def short(data, limit=300):
    """A printable excerpt of an answer or an output."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    data = " ".join(str(data).split())
    return data if len(data) <= limit else data[:limit] + "…"


# ---------------------------------------------------------------------------------------------
# Journeys and scenarios


def journey(nodes, edges, jid="hostile", settings=None):
    j = {"format": "itinera/journey@1", "id": jid, "name": "Hostile " + jid, "nodes": nodes, "edges": edges}
    if settings is not None:
        j["settings"] = settings
    return j


def simple_journey(text="Hi {{ contact.first_name }}", jid="simple"):
    """trigger `go` -> sms `s` -> exit `x`."""
    return journey(
        [
            {"id": "t", "type": "trigger", "event": "go"},
            {"id": "s", "type": "send", "channel": "sms", "text": text},
            {"id": "x", "type": "exit"},
        ],
        [{"from": "t", "to": "s"}, {"from": "s", "to": "x"}],
        jid,
    )


def chain_journey(steps, jid="chain", waits=True, settings=None):
    """A straight chain of `steps` nodes: trigger, sends (and 1 s waits), exit."""
    nodes = [{"id": "t", "type": "trigger", "event": "go"}]
    for i in range(1, steps - 1):
        if waits and i % 2 == 0:
            nodes.append({"id": f"n{i}", "type": "wait", "for": "1s"})
        else:
            nodes.append({"id": f"n{i}", "type": "send", "channel": "sms", "text": f"m{i}"})
    nodes.append({"id": "x", "type": "exit"})
    edges = [{"from": nodes[i]["id"], "to": nodes[i + 1]["id"]} for i in range(len(nodes) - 1)]
    return journey(nodes, edges, jid, settings)


def contact(cid="ana", events=None):
    return {
        "id": cid,
        "timezone": "UTC",
        "attributes": {"first_name": "Ana"},
        "addresses": {"sms": "+15550100000"},
        "consent": {"sms": True},
        "events": events if events is not None else [{"at": "+0m", "name": "go"}],
    }


def scenario(contacts=None, population=None, start="2026-03-02T09:00:00Z", run_for="7d"):
    s = {"format": "itinera/scenario@1", "start": start, "run_for": run_for, "seed": 1}
    s["contacts"] = [contact()] if contacts is None else contacts
    if population is not None:
        s["population"] = population
    return s


def population(count, events=None):
    return {
        "count": count,
        "channels": {"sms": {"address": 1, "consent": 1}},
        "events": events or [{"name": "go", "at": {"from": "+0m", "to": "+1h"}}],
    }


def steps_of(report):
    """Every step of every contact of a SimReport."""
    for c in report.get("contacts", []) if isinstance(report, dict) else []:
        for step in c.get("steps", []) or []:
            yield step


# The Liquid bombs of the review: name -> template.
LIQUID = {
    "doubling": '{% assign s = "xx" %}{% for i in (1..64) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
    "capture_doubling": '{% assign s = "xx" %}{% for i in (1..64) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}{{ s }}',
    "nested_if_1200": "{% if true %}" * 1200 + "x" + "{% endif %}" * 1200,
    "range_1e8": "{% for i in (1..100000000) %}x{% endfor %}",
    "nested_loops_1000_cubed": "{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}",
    "range_i64_max": "{% for i in (1..9223372036854775807) %}{{ i }}{% endfor %}",
    "range_i64_full": "{% for i in (-9223372036854775808..9223372036854775807) %}x{% endfor %}",
}
# Bombs a validator may accept (they are only dangerous when rendered): validate may answer valid,
# but then rendering must stop with `template_error`.
LIQUID_RUNTIME_ONLY = {"doubling", "capture_doubling"}


# ---------------------------------------------------------------------------------------------
# HTTP


class Answer:
    def __init__(self, status, data):
        self.status = status
        self.data = data
        try:
            self.json = json.loads(data) if data else None
        except ValueError:
            self.json = None

    def error(self):
        return self.json.get("error") if isinstance(self.json, dict) else None

    def __str__(self):
        return f"{self.status} {short(self.data, 160)}"


class Server:
    """`itinera serve` under prlimit, in its own process group."""

    def __init__(self, suite):
        self.suite = suite
        self.proc = None
        self.port = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log_path = os.path.join(self.suite.harness, f"server-{self.starts}.log")
        self.log = open(log_path, "wb")
        env = dict(os.environ, ITINERA_API_TOKEN=self.suite.token, RUST_BACKTRACE="0")
        argv = PRLIMIT + [self.suite.binary, "serve", "--dir", self.suite.work, "--port", "0"]
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log, env=env, cwd=self.suite.harness,
            start_new_session=True,
        )
        self.suite.children.add(self.proc)
        found = threading.Event()
        box = {}

        def drain(stream, log):
            for line in iter(stream.readline, b""):
                text = line.decode("utf-8", "replace").strip()
                if not found.is_set() and text.startswith("listening on http://127.0.0.1:"):
                    try:
                        box["port"] = int(text.rsplit(":", 1)[1])
                    except ValueError:
                        pass
                    found.set()
                try:
                    log.write(line)
                    log.flush()
                except ValueError:
                    break
            found.set()

        threading.Thread(target=drain, args=(self.proc.stdout, self.log), daemon=True).start()
        if not found.wait(60) or "port" not in box:
            self.stop()
            raise RuntimeError(f"the server did not print `listening on http://127.0.0.1:N` within 60 s; see {log_path}")
        self.port = box["port"]

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def state(self, grace=1.0):
        """`alive`, or `dead (exit status N)` when it dies within `grace` seconds (a crash in progress)."""
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            return "alive"
        return f"dead (exit status {self.proc.returncode})"

    def stop(self, timeout=5.0):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            kill_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                kill_group(self.proc, signal.SIGKILL)
                self.proc.wait(10)
        kill_group(self.proc, signal.SIGKILL)  # stragglers of the group, if any
        self.suite.children.discard(self.proc)
        self.proc = None
        try:
            self.log.close()
        except OSError:
            pass

    def restart(self):
        self.stop()
        self.start()

    def stderr_tail(self):
        try:
            with open(self.log.name, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 600))
                return short(f.read(), 300)
        except OSError:
            return ""

    def cpu_seconds(self):
        """utime + stime of the server process, from /proc/PID/stat."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kill_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------------------------------------
# The suite


class Suite:
    def __init__(self, binary, keep=False):
        self.binary = binary
        self.keep = keep
        self.root = tempfile.mkdtemp(prefix="itinera-hostile-")
        self.work = os.path.join(self.root, "work")
        self.sentinel = os.path.join(self.root, "sentinel")
        self.harness = os.path.join(self.root, "harness")
        for d in (self.work, self.sentinel, self.harness):
            os.mkdir(d)
        for name, content in WORK_SENTINEL_FILES.items():
            path = os.path.join(self.sentinel, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if content is None:
                content = (json.dumps(simple_journey(jid="sentinel"), indent=2) + "\n").encode()
            with open(path, "wb") as f:
                f.write(content)
        self.token = secrets.token_hex(16)
        self.children = set()
        self.server = Server(self)
        self.deadline = None
        self.passed = 0
        self.failed = 0

    # -- bookkeeping ----------------------------------------------------------------------------

    def snapshot(self):
        """What must never change: the sentinel tree and the root's own listing."""
        entries = {}
        for dirpath, dirnames, filenames in os.walk(self.sentinel, followlinks=False):
            for name in sorted(dirnames + filenames):
                path = os.path.join(dirpath, name)
                st = os.lstat(path)
                rec = [stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, st.st_mode & 0o7777]
                if stat.S_ISREG(st.st_mode):
                    with open(path, "rb") as f:
                        rec.append(hashlib.sha256(f.read()).hexdigest())
                elif stat.S_ISLNK(st.st_mode):
                    rec.append(os.readlink(path))
                entries[os.path.relpath(path, self.sentinel)] = tuple(rec)
        st = os.lstat(self.sentinel)
        entries["."] = (st.st_mtime_ns, st.st_mode)
        entries["<root listing>"] = tuple(sorted(os.listdir(self.root)))
        return entries

    @staticmethod
    def diff(before, after):
        changed = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
        return ", ".join(
            f"{k} {'added' if k not in before else 'removed' if k not in after else 'changed'}" for k in changed[:8]
        )

    def remaining(self):
        return max(0.0, self.deadline - time.monotonic()) if self.deadline else 60.0

    def bounded(self, timeout):
        left = self.remaining()
        if left <= 0.05:
            raise CaseFailure("the case's time bound ran out")
        return min(timeout, left) if timeout else left

    def check_no_abs_path(self, data, what):
        for secret in {self.work, os.path.realpath(self.work)}:
            if secret.encode() in data:
                raise CaseFailure(f"{what} contains the absolute path {secret}: {short(data)}")

    # -- HTTP -----------------------------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, token=True, timeout=None, content_type="application/json"):
        timeout = self.bounded(timeout)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        hdrs = {}
        if body is not None and content_type:
            hdrs["Content-Type"] = content_type
        if token is True:
            hdrs["X-Itinera-Token"] = self.token
        elif token:
            hdrs["X-Itinera-Token"] = token
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
        except (socket.timeout, TimeoutError):
            raise CaseFailure(f"{method} {path}: no answer within {time.monotonic() - started:.1f} s")
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            raise CaseFailure(f"{method} {path}: {type(e).__name__}: {e} (server {self.server.state()})")
        finally:
            conn.close()
        self.check_no_abs_path(data, f"the answer to {method} {path}")
        return Answer(status, data)

    def api(self, command, args=None, **kw):
        return self.request("POST", "/api/" + command, {} if args is None else args, **kw)

    def expect_ok(self, ans, what):
        check(ans.status == 200 and ans.json is not None, f"{what}: expected 200 with JSON, got {ans}")
        return ans.json

    def expect_error(self, ans, statuses, what):
        check(ans.status in statuses, f"{what}: expected {'/'.join(map(str, statuses))}, got {ans}")
        msg = ans.error()
        check(isinstance(msg, str) and msg.strip(), f"{what}: the answer has no {{\"error\": message}}: {ans}")
        check("panicked" not in msg, f"{what}: the message reports a panic: {short(msg)}")
        return msg

    def health(self, timeout=HEALTH_TIMEOUT):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)
        try:
            conn.request("GET", "/health")
            resp = conn.getresponse()
            return Answer(resp.status, resp.read())
        finally:
            conn.close()

    def work_path(self, name):
        return os.path.join(self.work, name)

    def exists(self, name):
        return os.path.lexists(self.work_path(name))

    # -- CLI ------------------------------------------------------------------------------------

    def write_input(self, name, content):
        path = os.path.join(self.harness, name)
        with open(path, "w" if isinstance(content, str) else "wb") as f:
            f.write(content)
        return name

    def cli(self, args, timeout=30.0):
        """Runs `prlimit ... itinera ARGS` in harness/, returns (rc, stdout, stderr)."""
        timeout = self.bounded(timeout)
        out_path = os.path.join(self.harness, "cli.out")
        err_path = os.path.join(self.harness, "cli.err")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(
                PRLIMIT + [self.binary] + args, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=self.harness,
                start_new_session=True, env=dict(os.environ, RUST_BACKTRACE="0"),
            )
            self.children.add(proc)
            try:
                rc = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                kill_group(proc, signal.SIGKILL)
                proc.wait(10)
                raise CaseFailure(f"itinera {args[0]} did not finish within {timeout:.0f} s")
            finally:
                kill_group(proc, signal.SIGKILL)
                self.children.discard(proc)
        with open(out_path, "rb") as f:
            stdout = f.read()
        with open(err_path, "rb") as f:
            stderr = f.read()
        if rc < 0:
            raise CaseFailure(f"itinera {args[0]} was killed by signal {-rc} ({signal.Signals(-rc).name}): {short(stderr[-600:])}")
        check(b"panicked" not in stderr, f"itinera {args[0]} panicked: {short(stderr[-600:])}")
        return rc, stdout, stderr

    # -- running --------------------------------------------------------------------------------

    def run_case(self, name, fn, bound):
        before = self.snapshot()
        started = time.monotonic()
        self.deadline = started + bound
        failure = None
        try:
            fn(self)
        except CaseFailure as e:
            failure = str(e)
        except Exception as e:  # a harness error is a failure too, never a silent pass
            failure = f"harness error: {type(e).__name__}: {e}"
        elapsed = time.monotonic() - started
        self.deadline = None
        if failure is None and elapsed > bound:
            failure = f"took {elapsed:.1f} s, over its bound of {bound} s"
        problems = []
        restart = failure is not None
        if self.server.state(0.2) != "alive":
            code = self.server.proc.returncode if self.server.proc else None
            problems.append(f"the server died (exit status {code}; log: {self.server.stderr_tail()})")
            restart = True
        else:
            try:
                h = self.health()
                if h.status != 200 or h.json != {"ok": True}:
                    problems.append(f"GET /health answered {h}")
                    restart = True
            except (OSError, http.client.HTTPException) as e:
                problems.append(f"GET /health gave no answer within {HEALTH_TIMEOUT:.0f} s ({type(e).__name__}; server "
                                f"{self.server.state()}; log: {self.server.stderr_tail()})")
                restart = True
        after = self.snapshot()
        self.empty_work()
        if after != before:
            problems.append(f"outside the folder changed: {self.diff(before, after)}")
        if problems:
            failure = "; ".join(([failure] if failure else []) + ["after the case: " + "; ".join(problems)])
        if failure is None:
            self.passed += 1
            print(f"ok {name} ({elapsed:.2f} s)", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {failure}", flush=True)
        if restart:
            self.server.restart()

    def empty_work(self):
        """Removes what a case left in the folder (without following links), so cases stay independent."""
        release_fifos(self.work)
        for name in os.listdir(self.work):
            path = os.path.join(self.work, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def cleanup(self):
        for proc in list(self.children):
            kill_group(proc, signal.SIGKILL)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.children.clear()
        if not self.keep:
            release_fifos(self.work)
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            print(f"kept {self.root}", file=sys.stderr)


def release_fifos(folder):
    """Opens every FIFO under `folder` both ways (non-blocking), which frees a thread blocked in
    open(2) on it, then removes it."""
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                if stat.S_ISFIFO(os.lstat(path).st_mode):
                    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
                    time.sleep(0.2)
                    os.close(fd)
                    os.unlink(path)
            except OSError:
                pass


CASES = []


def case(bound, expect):
    """Registers a case: `bound` seconds, `expect` what passing means (printed by --list)."""

    def register(fn):
        CASES.append((fn.__name__, fn, bound, expect))
        return fn

    return register


def remove(s, *names):
    for name in names:
        path = s.work_path(name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------------------------------------
# 0. Positive controls: the harness itself talks to the server the right way


@case(10, "GET /health without a token -> 200 {\"ok\": true}")
def health_without_token(s):
    ans = s.health()
    check(ans.status == 200 and ans.json == {"ok": True}, f"GET /health: expected 200 {{\"ok\": true}}, got {ans}")


@case(15, "with the token and the server's own Origin, save/read/list work (200), also as localhost")
def control_same_origin(s):
    origin = f"http://127.0.0.1:{s.server.port}"
    try:
        saved = s.expect_ok(
            s.api("save_journey", {"file": "ctl.journey.json", "journey": simple_journey()}, headers={"Origin": origin}), "save"
        )
        check(saved.get("file") == "ctl.journey.json" and isinstance(saved.get("text"), str), f"save answered {saved}")
        with open(s.work_path("ctl.journey.json")) as f:
            check(f.read() == saved["text"], "the file differs from the answered text")
        read = s.expect_ok(s.api("read_journey", {"file": "ctl.journey.json"}), "read")
        check(read.get("journey", {}).get("id") == "simple", f"read answered {short(json.dumps(read))}")
        listed = s.expect_ok(s.api("list_journeys"), "list")
        check(any(e.get("file") == "ctl.journey.json" for e in listed), f"list does not show the file: {short(json.dumps(listed))}")
        local = {"Host": f"localhost:{s.server.port}", "Origin": f"http://localhost:{s.server.port}"}
        s.expect_ok(s.api("list_journeys", headers=local), "list with Host/Origin localhost")
    finally:
        remove(s, "ctl.journey.json")


# ---------------------------------------------------------------------------------------------
# 1. Cross-site requests


def refused_write(s, name, what, **kw):
    ans = s.api("save_journey", {"file": name, "journey": simple_journey()}, **kw)
    check(ans.status == 403, f"{what}: expected 403, got {ans}")
    check(not s.exists(name), f"{what}: answered {ans.status} but wrote {name}")


@case(10, "Origin: null + text/plain save_journey (with and without the token) -> 403, no file")
def cross_site_origin_null_text_plain(s):
    refused_write(s, "xs1.journey.json", "Origin null, no token", token=None, headers={"Origin": "null"}, content_type="text/plain")
    refused_write(s, "xs1.journey.json", "Origin null, token", headers={"Origin": "null"}, content_type="text/plain")


@case(10, "Origin http://localhost:OTHER and http://127.0.0.1:OTHER (token sent) -> 403, no file")
def cross_site_other_port(s):
    other = 1 if s.server.port != 1 else 2
    refused_write(s, "xs2.journey.json", "Origin localhost:OTHER", headers={"Origin": f"http://localhost:{s.server.port + other}"})
    refused_write(s, "xs2.journey.json", "Origin 127.0.0.1:OTHER", headers={"Origin": f"http://127.0.0.1:{s.server.port + other}"})
    refused_write(s, "xs2.journey.json", "Origin https://127.0.0.1:PORT", headers={"Origin": f"https://127.0.0.1:{s.server.port}"})


@case(10, "Origin http://evil.example (token sent) -> 403, no file")
def cross_site_evil_origin(s):
    refused_write(s, "xs3.journey.json", "Origin evil.example", headers={"Origin": "http://evil.example"})


@case(10, "no X-Itinera-Token -> 403 for save_journey and list_journeys, no file")
def cross_site_no_token(s):
    refused_write(s, "xs4.journey.json", "no token", token=None)
    ans = s.api("list_journeys", token=None)
    check(ans.status == 403, f"list_journeys without token: expected 403, got {ans}")


@case(10, "a wrong token (and an empty one) -> 403, no file")
def cross_site_wrong_token(s):
    refused_write(s, "xs5.journey.json", "wrong token", token=secrets.token_hex(16))
    refused_write(s, "xs5.journey.json", "token with a prefix of the real one", token=s.token[:-1])
    refused_write(s, "xs5.journey.json", "empty token", headers={"X-Itinera-Token": ""}, token=None)


@case(10, "Host: evil.example (DNS rebinding; token sent) -> 403, no file")
def cross_site_evil_host(s):
    refused_write(s, "xs6.journey.json", "Host evil.example", headers={"Host": "evil.example"})
    refused_write(s, "xs6.journey.json", "Host evil.example:PORT", headers={"Host": f"evil.example:{s.server.port}"})


@case(10, "open_folder {dir: \"/\"} without --allow-open-folder -> 400/403, the folder stays the same")
def open_folder_root(s):
    try:
        s.expect_ok(s.api("save_journey", {"file": "of.journey.json", "journey": simple_journey()}), "save a marker")
        s.expect_error(s.api("open_folder", {"dir": "/"}), (400, 403), "open_folder /")
        s.expect_error(s.api("open_folder", {"dir": s.sentinel}), (400, 403), "open_folder SENTINEL")
        listed = s.expect_ok(s.api("list_journeys"), "list after open_folder")
        check([e.get("file") for e in listed] == ["of.journey.json"], f"the folder changed: {short(json.dumps(listed))}")
    finally:
        remove(s, "of.journey.json")


# ---------------------------------------------------------------------------------------------
# 2. Symlinks, temp files, concurrent saves


@case(10, "x.journey.json -> sentinel file: read_journey and save_journey refused (400), sentinel unchanged")
def symlink_journey(s):
    os.symlink(os.path.join(s.sentinel, "target.journey.json"), s.work_path("x.journey.json"))
    try:
        msg = s.expect_error(s.api("read_journey", {"file": "x.journey.json"}), (400,), "read_journey through a symlink")
        check("sentinel" not in msg, f"the refusal leaks the target: {short(msg)}")
        s.expect_error(s.api("save_journey", {"file": "x.journey.json", "journey": simple_journey(jid="evil")}), (400,),
                       "save_journey through a symlink")
        check(os.path.islink(s.work_path("x.journey.json")), "the symlink was replaced")
        s.expect_ok(s.api("list_journeys"), "list_journeys with a symlink in the folder")
    finally:
        remove(s, "x.journey.json")


@case(10, "a sub-folder symlinked to the sentinel dir: save and read into it refused (400)")
def symlink_subfolder(s):
    os.symlink(s.sentinel, s.work_path("linked"))
    try:
        s.expect_error(s.api("save_journey", {"file": "linked/y.journey.json", "journey": simple_journey()}), (400,),
                       "save into a symlinked folder")
        s.expect_error(s.api("save_journey", {"file": "linked/target.journey.json", "journey": simple_journey()}), (400,),
                       "overwrite through a symlinked folder")
        s.expect_error(s.api("read_journey", {"file": "linked/target.journey.json"}), (400,), "read through a symlinked folder")
        s.expect_ok(s.api("list_journeys"), "list_journeys with a symlinked folder")
    finally:
        remove(s, "linked")


@case(10, "planted symlinks at likely temp names: the save writes a regular file in the folder, sentinel unchanged")
def planted_temp_symlinks(s):
    pid = s.server.proc.pid
    names = [".x.journey.json.tmp", "x.journey.json.tmp", ".x.journey.json~", ".x.journey.json.swp"]
    names += [f".x.journey.json.{p}.tmp" for p in range(pid, pid + 8)]
    names += [f"x.journey.json.{p}.tmp" for p in (pid,)] + [f".x.journey.json.{pid}.{n}.tmp" for n in range(4)]
    targets = []
    for i, name in enumerate(names):
        # half to an existing sentinel file, half dangling into the sentinel dir (would create a file)
        target = os.path.join(s.sentinel, "secret.txt" if i % 2 == 0 else f"planted-{i}.txt")
        os.symlink(target, s.work_path(name))
        targets.append(target)
    try:
        for round_ in range(3):
            saved = s.expect_ok(s.api("save_journey", {"file": "x.journey.json", "journey": simple_journey(jid=f"r{round_}")}),
                                f"save #{round_ + 1}")
            st = os.lstat(s.work_path("x.journey.json"))
            check(stat.S_ISREG(st.st_mode), "x.journey.json is not a regular file after the save")
            with open(s.work_path("x.journey.json")) as f:
                check(f.read() == saved.get("text"), "x.journey.json differs from the answered text")
        for name in names:
            check(os.path.islink(s.work_path(name)) or not os.path.lexists(s.work_path(name)), f"{name} was turned into a file")
    finally:
        remove(s, "x.journey.json", *names)


def concurrent(n, fn):
    results = [None] * n
    barrier = threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait(10)
            results[i] = fn(i)
        except BaseException as e:  # reported as the result of that thread
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@case(30, "16 threads save one file with distinct contents: all 200, the final file equals one answered text")
def concurrent_saves(s):
    try:
        results = concurrent(16, lambda i: s.api("save_journey", {"file": "c.journey.json", "journey": chain_journey(200, f"c{i}")}))
        texts = []
        for i, r in enumerate(results):
            if isinstance(r, BaseException):
                raise CaseFailure(f"thread {i}: {r}")
            texts.append(s.expect_ok(r, f"thread {i}").get("text"))
        for i, t in enumerate(texts):
            check(isinstance(t, str) and json.loads(t)["id"] == f"c{i}", f"thread {i}: the answered text is not its save")
        with open(s.work_path("c.journey.json")) as f:
            final = f.read()
        check(final in texts, "the final file equals none of the answered saves (torn or mixed write)")
        leftovers = [n for n in os.listdir(s.work) if n != "c.journey.json"]
        check(not leftovers, f"temp files left in the folder: {leftovers[:5]}")
    finally:
        remove(s, "c.journey.json")


@case(30, "saves with `expected`: a stale revision -> 409 and the file unchanged; 2 and 16 concurrent saves with the same revision -> exactly one 200")
def concurrent_saves_expected(s):
    try:
        first = s.expect_ok(s.api("save_journey", {"file": "e.journey.json", "journey": simple_journey(jid="e0")}), "first save")
        rev = first.get("revision")
        check(isinstance(rev, str) and rev, f"save_journey answers no `revision`: {short(json.dumps(first))}")
        read = s.expect_ok(s.api("read_journey", {"file": "e.journey.json"}), "read")
        check(read.get("revision") == rev, f"read_journey revision {read.get('revision')!r} differs from the save's {rev!r}")
        second = s.expect_ok(s.api("save_journey", {"file": "e.journey.json", "journey": simple_journey(jid="e1"), "expected": rev}),
                             "save with the current revision")
        stale = s.api("save_journey", {"file": "e.journey.json", "journey": simple_journey(jid="e2"), "expected": rev})
        s.expect_error(stale, (409,), "save with a stale revision")
        with open(s.work_path("e.journey.json")) as f:
            check(f.read() == second["text"], "a 409 save changed the file")
        for n in (2, 16):
            rev = s.expect_ok(s.api("read_journey", {"file": "e.journey.json"}), "read").get("revision")
            results = concurrent(n, lambda i: s.api("save_journey", {"file": "e.journey.json",
                                                                     "journey": simple_journey(jid=f"k{n}-{i}"), "expected": rev}))
            for i, r in enumerate(results):
                if isinstance(r, BaseException):
                    raise CaseFailure(f"{n} savers, thread {i}: {r}")
            statuses = sorted(r.status for r in results)
            check(statuses == [200] + [409] * (n - 1), f"{n} concurrent saves with one revision answered {statuses}")
            winner = next(r for r in results if r.status == 200).json["text"]
            with open(s.work_path("e.journey.json")) as f:
                check(f.read() == winner, f"{n} savers: the file is not the one 200 answer's text")
    finally:
        remove(s, "e.journey.json")


# ---------------------------------------------------------------------------------------------
# 6. Smaller things (names, folders, FIFOs, slow clients, JSON details)


@case(10, "a file name of 300 characters -> 400 (read and save), no file, no absolute path in the message")
def long_file_name(s):
    name = "a" * 300 + ".journey.json"
    s.expect_error(s.api("save_journey", {"file": name, "journey": simple_journey()}), (400,), "save")
    s.expect_error(s.api("read_journey", {"file": name}), (400, 404), "read")
    name2 = "b" * 250 + "/" + "c" * 300 + ".journey.json"
    s.expect_error(s.api("save_journey", {"file": name2, "journey": simple_journey()}), (400,), "save with a long folder")
    check(os.listdir(s.work) == [], f"something was created: {os.listdir(s.work)[:3]}")


@case(10, "a save into 3,000 nested folders -> 400 and no folder created")
def deep_folders(s):
    name = "d/" * 3000 + "x.journey.json"
    s.expect_error(s.api("save_journey", {"file": name, "journey": simple_journey()}), (400,), "save")
    check(not s.exists("d"), "folders were created")
    s.expect_error(s.api("read_journey", {"file": name}), (400, 404), "read")


@case(10, "traversal and absolute names (../, /abs, sub/../../, NUL, backslashes) -> 400, nothing written outside")
def traversal_names(s):
    for name in ["../escape.journey.json", "../sentinel/secret.journey.json", s.sentinel + "/abs.journey.json",
                 "sub/../../escape.journey.json", "ok\u0000.journey.json", "..\\escape.journey.json", "a/./../../x.journey.json"]:
        s.expect_error(s.api("save_journey", {"file": name, "journey": simple_journey()}), (400,), f"save {name!r}")
        s.expect_error(s.api("read_journey", {"file": name}), (400, 404), f"read {name!r}")
    s.expect_error(s.api("save_scenario", {"file": "../escape.scenario.json", "scenario": scenario()}), (400,), "save_scenario ../")


@case(15, "a FIFO f.journey.json: read_journey and save_journey -> 400 quickly; list_journeys and list_scenarios still answer")
def fifo_in_folder(s):
    os.mkfifo(s.work_path("f.journey.json"))
    os.mkfifo(s.work_path("f.scenario.json"))
    try:
        s.expect_error(s.api("read_journey", {"file": "f.journey.json"}, timeout=5), (400,), "read_journey of a FIFO")
        s.expect_error(s.api("save_journey", {"file": "f.journey.json", "journey": simple_journey()}, timeout=5), (400,),
                       "save_journey onto a FIFO")
        check(stat.S_ISFIFO(os.lstat(s.work_path("f.journey.json")).st_mode), "the FIFO was replaced")
        s.expect_error(s.api("read_scenario", {"file": "f.scenario.json"}, timeout=5), (400,), "read_scenario of a FIFO")
        s.expect_ok(s.api("list_journeys", timeout=5), "list_journeys beside a FIFO")
        s.expect_ok(s.api("list_scenarios", timeout=5), "list_scenarios beside a FIFO")
    finally:
        release_fifos(s.work)


def raw_connection(s):
    sock = socket.create_connection(("127.0.0.1", s.server.port), timeout=5)
    sock.settimeout(1.0)
    return sock


def closed_by_server(sock):
    """"closed" (EOF or reset), "answered" (the server wrote something, e.g. a 408), or None (open)."""
    try:
        data = sock.recv(4096)
    except socket.timeout:
        return None
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    return "closed" if data == b"" else "answered"


def wait_closed(s, sock, within, trickle=False):
    """Waits up to `within` s for the server to close `sock`; with `trickle`, sends one more header
    byte each second meanwhile. Returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if trickle:
            try:
                sock.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                return time.monotonic() - started
        if closed_by_server(sock) is not None:  # an answer (408/400) before the close is fine too
            return time.monotonic() - started
    raise CaseFailure(f"the server kept the half-sent request open for {within:.0f} s")


@case(25, "half-sent request headers: the server closes the connection within ~15 s; /health answers meanwhile")
def slowloris_half_headers(s):
    sock = raw_connection(s)
    try:
        sock.sendall(f"POST /api/list_journeys HTTP/1.1\r\nHost: 127.0.0.1:{s.server.port}\r\nX-Itin".encode())
        try:
            h = s.health()
            health = None if h.status == 200 else f"/health during the slow request answered {h}"
        except (OSError, http.client.HTTPException) as e:
            health = f"/health during the slow request gave no answer ({type(e).__name__})"
        try:
            wait_closed(s, sock, 18)
        except CaseFailure as e:
            raise CaseFailure("; ".join(filter(None, [str(e), health])))
        check(health is None, health)
    finally:
        sock.close()


@case(25, "headers trickled one byte a second: the server closes the connection within ~15 s")
def slowloris_trickle(s):
    sock = raw_connection(s)
    try:
        sock.sendall(f"POST /api/list_journeys HTTP/1.1\r\nHost: 127.0.0.1:{s.server.port}\r\nX-Pad: ".encode())
        wait_closed(s, sock, 18, trickle=True)
    finally:
        sock.close()


IDLE_CONNECTIONS = int(os.environ.get("HOSTILE_IDLE_CONNECTIONS", "1500"))


@case(40, f"{IDLE_CONNECTIONS} idle connections (over the connection limit): /health still answers within 20 s")
def idle_connections(s):
    socks = []
    try:
        opening = time.monotonic()
        for _ in range(IDLE_CONNECTIONS):
            if time.monotonic() - opening > 10:
                break  # connecting got slow: the backlog is full, which is the point
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.settimeout(0.5)
                sock.connect(("127.0.0.1", s.server.port))
                socks.append(sock)
            except OSError:
                sock.close()  # the backlog is full for now: keep trying until the window ends
        started = time.monotonic()
        try:
            h = s.health(timeout=20)
        except (OSError, http.client.HTTPException) as e:
            raise CaseFailure(f"/health gave no answer within 20 s with {len(socks)} idle connections open ({type(e).__name__})")
        check(h.status == 200, f"/health with {len(socks)} idle connections answered {h}")
        check(time.monotonic() - started < 20, "slow /health")
    finally:
        for sock in socks:
            sock.close()


@case(10, "duplicate JSON keys in an API body -> 400 naming the key, nothing written")
def duplicate_keys_api(s):
    j = json.dumps(simple_journey())
    dup_node = j.replace('"type": "trigger"', '"type": "trigger", "hostile_key": 1, "hostile_key": 2')
    check(dup_node != j, "harness: no trigger to patch")
    msg = s.expect_error(s.api("validate_journey", '{"journey": ' + dup_node + "}"), (400,), "validate_journey")
    check("hostile_key" in msg, f"the message does not name the key: {short(msg)}")
    msg = s.expect_error(s.api("save_journey", '{"file": "dup.journey.json", "journey": ' + dup_node + "}"), (400,), "save_journey")
    check("hostile_key" in msg, f"the message does not name the key: {short(msg)}")
    check(not s.exists("dup.journey.json"), "a journey with duplicate keys was saved")
    body = '{"file": "dup2.journey.json", "file": "dup3.journey.json", "journey": ' + j + "}"
    msg = s.expect_error(s.api("save_journey", body), (400,), "save_journey with `file` twice")
    check("file" in msg, f"the message does not name the key: {short(msg)}")
    check(not s.exists("dup2.journey.json") and not s.exists("dup3.journey.json"), "saved despite a duplicate `file`")
    sc = json.dumps(scenario()).replace('"seed": 1', '"seed": 1, "seed": 2')
    msg = s.expect_error(s.api("save_scenario", '{"file": "dup.scenario.json", "scenario": ' + sc + "}"), (400,), "save_scenario")
    check("seed" in msg, f"the message does not name the key: {short(msg)}")
    check(not s.exists("dup.scenario.json"), "a scenario with duplicate keys was saved")


@case(15, "duplicate JSON keys in a file: `itinera validate --json` exits 1 with a parse_error naming the key")
def duplicate_keys_cli(s):
    j = json.dumps(simple_journey(), indent=2).replace('"type": "trigger"', '"type": "trigger",\n "hostile_key": 1, "hostile_key": 2')
    name = s.write_input("dup.journey.json", j)
    rc, out, err = s.cli(["validate", "--json", name])
    check(rc == 1, f"exit status {rc}, expected 1: {short(out + err)}")
    line = json.loads(out.decode().strip().splitlines()[0])
    codes = [d.get("code") for d in line.get("diagnostics", [])]
    check("parse_error" in codes, f"diagnostics {codes}, expected parse_error")
    check(any("hostile_key" in d.get("message", "") for d in line["diagnostics"]), f"no message names the key: {short(out)}")


def number_survives(s, literal, name):
    body = json.dumps({"file": name, "journey": journey(
        [{"id": "t", "type": "trigger", "event": "go"}, {"id": "u", "type": "update", "set": {"big": "PLACEHOLDER"}},
         {"id": "x", "type": "exit"}],
        [{"from": "t", "to": "u"}, {"from": "u", "to": "x"}], "numbers")})
    body = body.replace('"PLACEHOLDER"', literal)
    try:
        saved = s.expect_ok(s.api("save_journey", body), "save")
        check(literal in saved.get("text", ""), f"the answered text lost the digits: {short(saved.get('text'))}")
        with open(s.work_path(name)) as f:
            text = f.read()
        check(f'"big": {literal}' in text, f"the file does not hold exactly {literal}: {short(text)}")
        ans = s.api("read_journey", {"file": name})
        s.expect_ok(ans, "read")
        check(literal.encode() in ans.data, f"read_journey lost the digits: {short(ans.data)}")
    finally:
        remove(s, name)


@case(10, f"{BIG_INTEGER} in a journey survives save_journey exactly (answer, file, read back)")
def big_integer_survives_save(s):
    number_survives(s, BIG_INTEGER, "bigint.journey.json")


@case(10, "a 50-digit decimal in a journey survives save_journey exactly")
def big_decimal_survives_save(s):
    number_survives(s, BIG_DECIMAL, "bigdec.journey.json")


@case(20, "scenario start in year 9999: CLI exits 2 and simulate_journey answers 400, neither says 'not an RFC 3339 timestamp'")
def scenario_year_9999(s):
    for start in ("9999-12-31T23:00:00Z", "9999-12-31T23:59:59+00:00"):
        sc = scenario(start=start, run_for="14d")
        jname = s.write_input("y9999.journey.json", json.dumps(simple_journey()))
        sname = s.write_input("y9999.scenario.json", json.dumps(sc))
        rc, out, err = s.cli(["simulate", jname, sname])
        check(rc == 2, f"start {start}: exit status {rc}, expected 2: {short(out + err)}")
        check(err.strip() and RFC3339_COMPLAINT.encode() not in err, f"start {start}: the message is wrong: {short(err)}")
        msg = s.expect_error(s.api("simulate_journey", {"journey": simple_journey(), "scenario": sc}), (400,), f"simulate_journey start {start}")
        check(RFC3339_COMPLAINT not in msg, f"start {start}: {short(msg)}")


@case(10, "a body that is not JSON, and one nested 100,000 levels deep -> 400")
def bad_json_bodies(s):
    s.expect_error(s.api("validate_journey", "{\"journey\": "), (400,), "truncated JSON")
    s.expect_error(s.api("validate_journey", "[" * 100000 + "]" * 100000), (400,), "deeply nested array")
    deep = '{"not": ' * 100000 + '{"field": "contact.a", "op": "exists"}' + "}" * 100000
    body = json.dumps({"journey": simple_journey()}).replace('"text": "Hi', '"deep": ' + deep + ', "text": "Hi')
    ans = s.api("validate_journey", body)
    check(ans.status in (200, 400), f"a 100,000-deep condition: expected 200 or 400, got {ans}")


@case(20, "a request body over 64 MiB -> 413")
def body_over_64mib(s):
    sock = raw_connection(s)
    size = 70 * 1024 * 1024
    try:
        sock.sendall((f"POST /api/validate_journey HTTP/1.1\r\nHost: 127.0.0.1:{s.server.port}\r\nContent-Type: application/json\r\n"
                      f"X-Itinera-Token: {s.token}\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n").encode())
        stop = threading.Event()

        def feed():
            chunk = b" " * (1 << 20)
            sent = 0
            try:
                while sent < size and not stop.is_set():
                    sock.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        sock.settimeout(s.bounded(15))
        head = b""
        try:
            while b"\r\n" not in head:
                data = sock.recv(4096)
                if not data:
                    break
                head += data
        except socket.timeout:
            raise CaseFailure("no answer to a 70 MiB body within 15 s")
        except ConnectionResetError:
            raise CaseFailure("the connection was reset without an answer")
        finally:
            stop.set()
        status = head.split(b"\r\n", 1)[0]
        check(b" 413" in status, f"expected 413, got {short(status)}")
    finally:
        sock.close()


# ---------------------------------------------------------------------------------------------
# 4. Liquid


def liquid_cases():
    for name, template in LIQUID.items():

        def preview(s, template=template):
            started = time.monotonic()
            msg = s.expect_error(s.api("preview_template", {"template": template, "contact": {"first_name": "Ana", "id": "a"}, "event": {}},
                                       timeout=10), (400,), "preview_template")
            check(len(msg) < 2000, f"the message is {len(msg)} characters long")
            check(time.monotonic() - started < 10, "slow refusal")

        def validate(s, template=template, name=name):
            fname = s.write_input(f"liquid-{name}.journey.json", json.dumps(simple_journey(template)))
            rc, out, err = s.cli(["validate", "--json", fname], timeout=15)
            if rc == 0 and name in LIQUID_RUNTIME_ONLY:
                return  # accepted statically; the simulate cases check that rendering stops
            check(rc == 1, f"exit status {rc}, expected 1 (invalid): {short(out + err)}")
            diags = json.loads(out.decode().strip().splitlines()[0]).get("diagnostics", [])
            check(any(d.get("code") == "invalid_config" and d.get("node") == "s" and d.get("field") == "text" for d in diags),
                  f"no invalid_config on node s field text: {short(json.dumps(diags))}")

        def simulate_cli(s, template=template, name=name):
            jname = s.write_input(f"liquid-{name}.journey.json", json.dumps(simple_journey(template)))
            sname = s.write_input("liquid.scenario.json", json.dumps(scenario()))
            rc, out, err = s.cli(["simulate", "--json", jname, sname], timeout=20)
            check(rc in (0, 1), f"exit status {rc}, expected 0 or 1: {short(out + err)}")
            if rc == 0:
                report = json.loads(out)
                reasons = [st.get("reason") for st in steps_of(report) if st.get("node") == "s"]
                check("template_error" in reasons, f"the send ran without a template_error (reasons {reasons})")
            else:
                check(err.strip() or out.strip(), "exit 1 without a word")

        def simulate_http(s, template=template):
            ans = s.api("simulate_journey", {"journey": simple_journey(template), "scenario": scenario()}, timeout=20)
            if ans.status == 200:
                reasons = [st.get("reason") for st in steps_of(ans.json) if st.get("node") == "s"]
                check("template_error" in reasons, f"the send ran without a template_error (reasons {reasons})")
            else:
                s.expect_error(ans, (400,), "simulate_journey")

        yield f"liquid_{name}_preview", preview, 15, "preview_template -> 400 with a short clear message, within 10 s"
        yield f"liquid_{name}_cli_validate", validate, 20, "itinera validate --json -> exit 1, invalid_config on node s field text" + (
            " (or valid: the bomb only shows when rendered)" if name in LIQUID_RUNTIME_ONLY else "")
        yield f"liquid_{name}_cli_simulate", simulate_cli, 25, "itinera simulate --json -> exit 1 (invalid) or exit 0 with reason template_error"
        yield f"liquid_{name}_simulate_http", simulate_http, 25, "simulate_journey -> 400 or 200 with reason template_error"


for _name, _fn, _bound, _expect in liquid_cases():
    _fn.__name__ = _name
    CASES.append((_name, _fn, _bound, _expect))


# ---------------------------------------------------------------------------------------------
# 3. Deep journeys

CHAINS = {}


def chain(n):
    if n not in CHAINS:
        CHAINS[n] = chain_journey(n, f"chain{n}")
    return CHAINS[n]


def deep_validate_http(n):
    def fn(s):
        report = s.expect_ok(s.api("validate_journey", {"journey": chain(n)}), "validate_journey")
        check(report.get("valid") is True, f"not valid: {short(json.dumps(report.get('diagnostics'))[:300])}")
        facts = report.get("facts") or {}
        check(facts.get("nodes") == n, f"facts.nodes = {facts.get('nodes')}, expected {n}")

    return fn


def deep_save_list(n):
    def fn(s):
        name = f"chain{n}.journey.json"
        try:
            s.expect_ok(s.api("save_journey", {"file": name, "journey": chain(n)}), "save_journey")
            for when in ("after the save", "after a restart"):
                listed = s.expect_ok(s.api("list_journeys"), f"list_journeys {when}")
                entry = next((e for e in listed if e.get("file") == name), None)
                check(entry is not None and entry.get("valid") is True, f"{when}: listed as {short(json.dumps(entry))}")
                if when == "after the save":
                    s.server.restart()
            read = s.expect_ok(s.api("read_journey", {"file": name}), "read_journey")
            check(len(read.get("journey", {}).get("nodes", [])) == n, "read_journey lost nodes")
        finally:
            remove(s, name)

    return fn


def deep_cli_validate(n):
    def fn(s):
        fname = s.write_input(f"chain{n}.journey.json", json.dumps(chain(n)))
        rc, out, err = s.cli(["validate", "--json", fname], timeout=60)
        check(rc == 0, f"exit status {rc}, expected 0: {short(out + err)}")
        line = json.loads(out.decode().strip().splitlines()[0])
        check(line.get("valid") is True, f"not valid: {short(out)}")

    return fn


def deep_cli_simulate(n, use_json):
    def fn(s):
        fname = s.write_input(f"chain{n}.journey.json", json.dumps(chain(n)))
        sname = s.write_input("one.scenario.json", json.dumps(scenario(run_for="30d")))
        rc, out, err = s.cli(["simulate"] + (["--json"] if use_json else []) + [fname, sname], timeout=90)
        check(rc == 0, f"exit status {rc}, expected 0: {short(out + err)}")
        if use_json:
            report = json.loads(out)
            c = report["contacts"][0]
            check(c.get("outcome") == "exited" and c.get("exit_node") == "x", f"contact ended {c.get('outcome')} at {c.get('exit_node')}")
        else:
            check(out.strip(), "no summary printed")

    return fn


for _n in (30000, 200000):
    _bound = 30 if _n == 30000 else 60
    CASES += [
        (f"deep_{_n}_validate_http", deep_validate_http(_n), _bound, f"validate_journey on a {_n}-step chain -> 200 valid, facts.nodes = {_n}"),
        (f"deep_{_n}_save_list", deep_save_list(_n), _bound * 2, "saved in the folder: list_journeys lists it valid, also after a server restart"),
        (f"deep_{_n}_cli_validate", deep_cli_validate(_n), _bound, "itinera validate --json -> exit 0, valid"),
        (f"deep_{_n}_cli_simulate", deep_cli_simulate(_n, _n == 30000), _bound * 2,
         "itinera simulate with one hand-written contact -> exit 0" + (" (--json: exited at x)" if _n == 30000 else " (summary)")),
    ]


# ---------------------------------------------------------------------------------------------
# 5. Populations, re-entries, long simulations


@case(20, "population.count 1,000,000,000 through `itinera simulate` (summary): alive and under the 2 GB cap after 8 s, or finished cleanly")
def population_1e9_cli(s):
    jname = s.write_input("pop.journey.json", json.dumps(simple_journey()))
    sname = s.write_input("pop1e9.scenario.json", json.dumps(scenario(contacts=[], population=population(1_000_000_000))))
    out = open(os.path.join(s.harness, "pop.out"), "wb")
    err = open(os.path.join(s.harness, "pop.err"), "wb")
    proc = subprocess.Popen(PRLIMIT + [s.binary, "simulate", jname, sname], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                            cwd=s.harness, start_new_session=True, env=dict(os.environ, RUST_BACKTRACE="0"))
    s.children.add(proc)
    peak = 0
    try:
        started = time.monotonic()
        while time.monotonic() - started < 8 and proc.poll() is None:
            try:
                with open(f"/proc/{proc.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            peak = max(peak, int(line.split()[1]) * 1024)
            except OSError:
                pass
            time.sleep(0.25)
        rc = proc.poll()
        if rc is not None:
            err.flush()
            with open(err.name, "rb") as f:
                tail = short(f.read()[-400:])
            check(rc in (0, 1, 2) and b"memory allocation" not in open(err.name, "rb").read(),
                  f"it exited with status {rc} within 8 s: {tail}")
        check(peak < CAP, f"resident memory reached {peak >> 20} MiB")
    finally:
        kill_group(proc, signal.SIGKILL)
        proc.wait(10)
        s.children.discard(proc)
        out.close()
        err.close()


@case(20, "simulate_journey over the server's cap (1,000,001 to 100,000,000 contacts, or 1,001 + 999,500) -> 413 quickly; 1,000,000,000 (over the format's maximum) -> 400 naming it")
def population_over_cap_http(s):
    # Over the server's cap (1,000,000 by default) but within the format's maximum: 413.
    for count in (1_000_001, 10_000_000, 100_000_000):
        ans = s.api("simulate_journey", {"journey": simple_journey(), "scenario": scenario(contacts=[], population=population(count))},
                    timeout=10)
        s.expect_error(ans, (413,), f"count {count}")
    many = [contact(f"h{i}") for i in range(1001)]
    ans = s.api("simulate_journey", {"journey": simple_journey(), "scenario": scenario(contacts=many, population=population(999_500))},
                timeout=10)
    s.expect_error(ans, (413,), "1,001 hand-written + 999,500 generated")
    # Over the scenario format's own maximum (100,000,000): not a scenario at all, a 400 naming it.
    ans = s.api("simulate_journey", {"journey": simple_journey(), "scenario": scenario(contacts=[], population=population(1_000_000_000))},
                timeout=10)
    s.expect_error(ans, (400,), "count 1,000,000,000")
    check("100000000" in json.dumps(ans.json), f"the refusal names the format's maximum: {ans}")


def reentry_journey():
    return chain_journey(10000, "reentry", waits=False, settings={"reentry": "always"})


def reentry_scenario(events):
    return scenario(contacts=[contact("loop", [{"at": f"+{i}m", "name": "go"} for i in range(events)])], run_for="30d")


@case(90, "a 10,000-node journey (reentry always), one contact entering 2,000 times, via simulate_journey -> 200 or a 4xx error, no crash")
def reentry_http(s):
    ans = s.api("simulate_journey", {"journey": reentry_journey(), "scenario": reentry_scenario(2000)}, timeout=85)
    if ans.status == 200:
        contacts = ans.json.get("contacts") if isinstance(ans.json, dict) else None
        check(contacts and contacts[0].get("id") == "loop" and "summary" in ans.json, f"not a report: {ans}")
    else:
        s.expect_error(ans, (400, 413), "simulate_journey")


@case(90, "the same through `itinera simulate --json` -> exit 0 (contact exited), 1 or 2 with a message; never killed")
def reentry_cli(s):
    jname = s.write_input("reentry.journey.json", json.dumps(reentry_journey()))
    sname = s.write_input("reentry.scenario.json", json.dumps(reentry_scenario(2000)))
    rc, out, err = s.cli(["simulate", "--json", jname, sname], timeout=85)
    check(rc in (0, 1, 2), f"exit status {rc}: {short(err)}")
    if rc == 0:
        report = json.loads(out)
        check(report["contacts"][0].get("id") == "loop" and "summary" in report, f"not a report: {short(out)}")
    else:
        check(err.strip(), f"exit {rc} without a message")


def engine_db(s, name):
    path = os.path.join(s.harness, name)
    for suffix in ("", "-wal", "-shm", ".records.jsonl"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
    return name


@case(60, "`events push` / `contacts import` with hostile lines (JSON nested 100,000 deep, a 20 MB line, duplicate keys, bad UTF-8, unknown fields) -> exit 2 naming file:line, nothing stored")
def engine_hostile_input_lines(s):
    db = engine_db(s, "hostile-inputs.db")
    rc, out, err = s.cli(["publish", s.write_input("simple.journey.json", json.dumps(simple_journey())), "--db", db])
    check(rc == 0, f"publish: exit {rc}: {short(err)}")
    good = '{"id": "e0", "contact": "ana", "name": "signed_up", "data": {}}\n'
    cases = {
        "deep": good + '{"id": "e1", "contact": "ana", "name": "x", "data": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}\n",
        "huge": good + '{"id": "e1", "contact": "ana", "name": "x", "data": {"a": "' + "x" * 20_000_000 + '"}}\n',
        "dup": good + '{"id": "e1", "id": "e2", "contact": "ana", "name": "x"}\n',
        "unknown": good + '{"id": "e1", "contact": "ana", "name": "x", "sneaky": true}\n',
    }
    for what, text in cases.items():
        name = s.write_input(f"{what}.jsonl", text)
        rc, out, err = s.cli(["events", "push", "--db", db, name], timeout=30)
        check(rc == 2, f"events push {what}: exit {rc}: {short(err)}")
        check(f"{name}:2:".encode() in err, f"events push {what}: the message does not name line 2: {short(err)}")
    name = s.write_input("bad-utf8.jsonl", b'{"id": "e1", "contact": "\xff\xfe", "name": "x"}\n')
    rc, out, err = s.cli(["events", "push", "--db", db, name])
    check(rc == 2 and err.strip(), f"bad UTF-8: exit {rc}: {short(err)}")
    name = s.write_input("contacts.jsonl", '{"id": "ana", "consent": {"sms": true}}\n{"id": "bo", "timezone": "Mars/Olympus"}\n')
    rc, out, err = s.cli(["contacts", "import", "--db", db, name])
    check(rc == 2 and f"{name}:2:".encode() in err, f"contacts import: exit {rc}: {short(err)}")
    rc, out, err = s.cli(["status", "--db", db, "--json"])
    check(rc == 0, f"status: exit {rc}: {short(err)}")
    report = json.loads(out)
    check(report[0]["entered"] == 0 and all(v == 0 for v in report[0]["outcomes"].values()), f"something was stored: {short(out)}")


@case(60, "`itinera run --until-done` over a contact id with `:`/`%`, a 200,000-step chain journey and a webhook to a closed port -> exit 0, keys escaped, the webhook failed after its retries")
def engine_run_hostile_journeys(s):
    db = engine_db(s, "hostile-run.db")
    chain = chain_journey(200_000, "chain", waits=False)
    rc, out, err = s.cli(["publish", s.write_input("chain.journey.json", json.dumps(chain)), "--db", db], timeout=60)
    check(rc == 0, f"publish chain: exit {rc}: {short(err)}")
    hook = journey(
        [{"id": "start", "type": "trigger", "event": "signed_up"},
         {"id": "hook", "type": "webhook", "method": "POST", "url": "http://127.0.0.1:9/x", "body": "{}"},
         {"id": "done", "type": "exit"}],
        [{"from": "start", "to": "hook"}, {"from": "hook", "to": "done"}], jid="hook")
    rc, out, err = s.cli(["publish", s.write_input("hook.journey.json", json.dumps(hook)), "--db", db])
    check(rc == 0, f"publish hook: exit {rc}: {short(err)}")
    trigger = chain["nodes"][0]["event"]
    lines = [{"id": "c1", "contact": "a:b%c", "name": trigger, "data": {}}, {"id": "c2", "contact": "a:b%c", "name": "signed_up", "data": {}}]
    rc, out, err = s.cli(["events", "push", "--db", db, s.write_input("e.jsonl", "".join(json.dumps(l) + "\n" for l in lines))])
    check(rc == 0, f"events push: exit {rc}: {short(err)}")
    rc, out, err = s.cli(["run", "--db", db, "--until-done", "--webhook-timeout", "1"], timeout=55)
    check(rc == 0, f"run: exit {rc}: {short(err)}")
    rc, out, err = s.cli(["status", "--db", db, "--json"])
    by_journey = {v["journey"]: v for v in json.loads(out)}
    check(by_journey["chain"]["outcomes"]["exited"] == 1, f"chain: {short(out)}")
    check(by_journey["hook"]["messages"]["webhook"]["failed"] == 1, f"hook: {short(out)}")


def long_simulation_body(s):
    body = json.dumps({"journey": chain_journey(200, "long", waits=False),
                       "scenario": scenario(contacts=[], population=population(500_000), run_for="14d")}).encode()
    return (f"POST /api/simulate_journey HTTP/1.1\r\nHost: 127.0.0.1:{s.server.port}\r\nContent-Type: application/json\r\n"
            f"X-Itinera-Token: {s.token}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def cpu_growth(s, seconds):
    before = s.server.cpu_seconds()
    time.sleep(seconds)
    return s.server.cpu_seconds() - before


@case(20, "a long simulate_journey whose client disconnects: the server's CPU time stops growing within ~2 s")
def disconnect_stops_simulation(s):
    sock = raw_connection(s)
    try:
        sock.sendall(long_simulation_body(s))
        grew = cpu_growth(s, 2.0)
        check(grew > 0.5, f"harness: the simulation did not start (CPU grew {grew:.2f} s in 2 s)")
    finally:
        sock.close()
    time.sleep(2.5)
    grew = cpu_growth(s, 2.0)
    check(grew < 0.3, f"the server still burns CPU {4.5:.1f} s after the client left ({grew:.2f} s of CPU in 2 s)")


@case(20, "SIGTERM while a long simulation runs: the server exits within ~1 s (2 s allowed)")
def sigterm_during_simulation(s):
    sock = raw_connection(s)
    try:
        sock.sendall(long_simulation_body(s))
        grew = cpu_growth(s, 1.5)
        check(grew > 0.3, f"harness: the simulation did not start (CPU grew {grew:.2f} s)")
        proc = s.server.proc
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            proc.wait(2.0)
        except subprocess.TimeoutExpired:
            raise CaseFailure("still running 2 s after SIGTERM")
        finally:
            if proc.poll() is None:
                s.server.restart()
        elapsed = time.monotonic() - started
        s.server.restart()  # a fresh server for the post-checks
        check(elapsed < 2.0, f"exited after {elapsed:.1f} s")
    finally:
        sock.close()


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", help="the itinera binary to attack")
    parser.add_argument("--only", action="append", default=[], help="run the cases whose name contains this (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the cases and what each expects")
    parser.add_argument("--keep", action="store_true", help="keep the temporary root (its path goes to stderr)")
    opts = parser.parse_args()
    if opts.list:
        for name, _fn, bound, expect in CASES:
            print(f"{name} ({bound} s): {expect}")
        return 0
    binary = os.path.realpath(opts.binary or "")
    if not opts.binary or not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        print(f"hostile.py: {opts.binary} is not an executable", file=sys.stderr)
        return 2
    if shutil.which("prlimit") is None:
        print("hostile.py: prlimit is missing (util-linux)", file=sys.stderr)
        return 2
    cases = [c for c in CASES if not opts.only or any(o in c[0] for o in opts.only)]
    suite = Suite(binary, keep=opts.keep)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        suite.server.start()
        for name, fn, bound, _expect in cases:
            suite.run_case(name, fn, bound)
    except KeyboardInterrupt:
        print("FAIL suite: interrupted", flush=True)
        suite.failed += 1
    except Exception as e:  # e.g. the server no longer starts: the remaining cases cannot run
        print(f"FAIL suite: {type(e).__name__}: {e}", flush=True)
        suite.failed += 1
    finally:
        suite.server.stop()
        suite.cleanup()
    print(f"{suite.passed} passed, {suite.failed} failed", flush=True)
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
