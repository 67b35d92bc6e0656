#!/usr/bin/env python3
"""Side-by-side benchmark: airlock gateway vs LiteLLM proxy, same upstream, same load generator.

One run measures, against the fast local upstream `bench-upstream` (crates/airlock-bench):
  direct          load generator -> upstream (the baseline)
  nullproxy       load generator -> bench-nullproxy (hyper pass-through, no judging) -> upstream: the floor
  airlock         load generator -> `airlock gateway --no-audit` -> upstream
  airlock-audit   load generator -> `airlock gateway --audit-db TMP` -> upstream
  litellm         load generator -> LiteLLM proxy (pinned version, in .bench-cache/) -> upstream

non-streaming at each --rates (open loop, constant arrival rate), streaming at --stream-rate, and
memory per open stream (proxy RSS with --streams slow streams open, minus idle RSS, / --streams).
Added latency = proxy latency - direct latency at the same percentile, same run.

Usage: python3 bench/gateway/run.py [--duration 20] [--warmup 5] [--rates 100,500,1000]
       [--no-build] [--no-litellm] [--priority fifo|nice|none] [--no-pin] [--out FILE]

Writes the full results as JSON (--out) and prints Markdown tables.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".bench-cache"
VENV = CACHE / "litellm-venv"
LITELLM_VERSION = "1.82.6"
MODEL = "gpt-4o-mini"

TOOLS = [{
    "type": "function",
    "function": {
        "name": "bash",
        "description": "Run a shell command in the repository",
        "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
    },
}]


def body(model, stream):
    b = {
        "model": model,
        "messages": [
            {"role": "system", "content": "You are a coding agent working in a git repository."},
            {"role": "user", "content": "Run the test suite and tell me what fails."},
        ],
        "tools": TOOLS,
    }
    if stream:
        b["stream"] = True
    return json.dumps(b)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes


def proc_tree(pid):
    """pid and all its descendants."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
            ppid = int(st[st.rindex(")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(d))
        except (OSError, ValueError):
            pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rss_kb(pid):
    total = 0
    for p in proc_tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_s(pid):
    """User+system CPU seconds of pid and its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in proc_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                st = f.read()
            fields = st[st.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return total / tick


def system_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


class Bench:
    def __init__(self, a):
        self.a = a
        self.procs = []
        self.tmp = Path(tempfile.mkdtemp(prefix="airlock-gw-bench-"))

    def prefix(self, cpu):
        p = []
        if self.a.priority == "fifo":
            p += ["chrt", "-f", "10"]
        elif self.a.priority == "nice":
            p += ["nice", "-n", "-10"]
        if not self.a.no_pin and cpu is not None:
            p += ["taskset", "-c", str(cpu)]
        return p

    def start(self, name, cmd, ready, cpu, env=None, timeout=120):
        """Start a server and wait until `ready(log_text)` or a TCP connect succeeds."""
        logf = open(self.tmp / f"{name}.log", "w+")
        e = dict(os.environ)
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        p = subprocess.Popen(self.prefix(cpu) + cmd, stdout=logf, stderr=subprocess.STDOUT, env=e,
                             start_new_session=True)
        self.procs.append((name, p))
        t0 = time.time()
        while time.time() - t0 < timeout:
            if p.poll() is not None:
                logf.seek(0)
                raise RuntimeError(f"{name} exited ({p.returncode}):\n{logf.read()[-3000:]}")
            if ready():
                log(f"  {name} ready after {time.time() - t0:.1f} s (pid {p.pid})")
                return p
            time.sleep(0.1)
        raise RuntimeError(f"{name} not ready after {timeout} s; see {self.tmp / (name + '.log')}")

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for name, p in reversed(self.procs):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def load(self, url, body_file, extra, cpu=0):
        """Run the load generator; returns its JSON plus its own CPU seconds."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cmd = self.prefix(cpu) + [str(self.bin / "bench-load"), "--url", url, "--body", str(body_file)] + extra
        r = subprocess.run(cmd, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            raise RuntimeError(f"bench-load failed: {r.stderr[-2000:]}")
        out = json.loads(r.stdout)
        out["loadgen_cpu_s"] = round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 3)
        return out


def http_ok(port, path="/"):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            return s.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


# ---------------------------------------------------------------- LiteLLM


def litellm_ready():
    """Install the pinned LiteLLM into .bench-cache/ if needed. Returns (path to litellm, None) or (None, why)."""
    exe = VENV / "bin" / "litellm"
    py = VENV / "bin" / "python"
    if exe.exists():
        r = subprocess.run([str(py), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
                           capture_output=True, text=True)
        if r.stdout.strip() == LITELLM_VERSION:
            return exe, None
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    log(f"installing litellm[proxy]=={LITELLM_VERSION} into {VENV} ...")
    r = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
    if r.returncode != 0:
        return None, f"python -m venv failed: {r.stderr.strip()[-500:]}"
    r = subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", f"litellm[proxy]=={LITELLM_VERSION}"],
                       capture_output=True, text=True)
    if r.returncode != 0 or not exe.exists():
        return None, f"pip install litellm[proxy]=={LITELLM_VERSION} failed: {r.stderr.strip()[-1500:]}"
    return exe, None


LITELLM_CONFIG = """\
model_list:
  - model_name: {model}
    litellm_params:
      model: openai/{model}
      api_base: {api_base}
      api_key: sk-bench-local
  - model_name: {model}-slow
    litellm_params:
      model: openai/{model}-slow
      api_base: {api_base}
      api_key: sk-bench-local
litellm_settings:
  telemetry: false
  callbacks: []
  success_callback: []
  failure_callback: []
  turn_off_message_logging: true
  set_verbose: false
  json_logs: false
  request_timeout: 30
  num_retries: 0
router_settings:
  num_retries: 0
  disable_cooldowns: true
general_settings:
  disable_spend_logs: true
  disable_error_logs: true
  background_health_checks: false
"""

# uvicorn's access log (one line per request) and info logs off; warnings still go to stderr.
LITELLM_LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"err": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["err"], "level": "WARNING", "propagate": False},
        "uvicorn.error": {"level": "WARNING"},
        "uvicorn.access": {"handlers": ["err"], "level": "WARNING", "propagate": False},
    },
}

LITELLM_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no download of the model price list at start
    "LITELLM_LOG": "ERROR",
    "LITELLM_TELEMETRY": "False",
    # Its upstream connection pool holds 500 per host by default; 1,000 open streams need more.
    "AIOHTTP_CONNECTOR_LIMIT": "4000",
    "AIOHTTP_CONNECTOR_LIMIT_PER_HOST": "4000",
    "DATABASE_URL": None,  # None: removed from the environment (no database, no auth)
    "LITELLM_MASTER_KEY": None,
}


# ---------------------------------------------------------------- the run


def pct_diff(p, d, key, ps=("p50", "p99", "p999")):
    out = {}
    for q in ps:
        a, b = p.get(key, {}).get(q), d.get(key, {}).get(q)
        out[q] = None if a is None or b is None else round(a - b, 1)
    return out


def wait_idle(pid, limit=90):
    """Wait until a (possibly backlogged) proxy stops using CPU."""
    t0 = time.time()
    while time.time() - t0 < limit:
        c0 = cpu_s(pid)
        time.sleep(1)
        if cpu_s(pid) - c0 < 0.05:
            return round(time.time() - t0, 1)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="25,100,500,1000",
                    help="non-streaming request rates; 25/s is below LiteLLM's one-core saturation on this machine")
    ap.add_argument("--duration", type=float, default=20.0, help="measured seconds per rate")
    ap.add_argument("--warmup", type=float, default=5.0, help="unrecorded seconds before each measurement")
    ap.add_argument("--stream-rates", default="5,20", help="streams started per second")
    ap.add_argument("--stream-events", type=int, default=20)
    ap.add_argument("--stream-interval-ms", type=int, default=10)
    ap.add_argument("--streams", type=int, default=1000, help="open streams for the memory measurement")
    ap.add_argument("--open-rate", type=float, default=50.0, help="streams opened per second for the memory measurement")
    ap.add_argument("--hold", type=float, default=10.0)
    ap.add_argument("--timeout-ms", type=int, default=10000)
    ap.add_argument("--max-inflight", type=int, default=4000)
    ap.add_argument("--priority", choices=["fifo", "nice", "none"], default="fifo" if os.geteuid() == 0 else "none",
                    help="scheduling for every benchmark process (upstream, load generator, proxies)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--no-litellm", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of the non-streaming rates (medians reported)")
    ap.add_argument("--only", default="", help="comma list of proxies to run (direct is always run)")
    ap.add_argument("--base-bin", default="",
                    help="directory with another `airlock` binary (an older build): adds the targets `base` and "
                         "`base-audit`, measured in the same rounds as `airlock` and `airlock-audit` (A/B, interleaved)")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory-per-open-stream measurement")
    ap.add_argument("--out", default=str(CACHE / "gateway-bench.json"))
    a = ap.parse_args()
    rates = [float(r) for r in a.rates.split(",") if r]
    stream_rates = [float(r) for r in a.stream_rates.split(",") if r]

    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not a.no_build:
        log("building airlock-cli and airlock-bench (release) ...")
        subprocess.run(["cargo", "build", "--release", "-p", "airlock-cli", "-p", "airlock-bench"], cwd=ROOT,
                       check=True, env=dict(os.environ, CARGO_TARGET_DIR=str(target_dir)))
    b = Bench(a)
    b.bin = target_dir / "release"
    for exe in ("airlock", "bench-upstream", "bench-load", "bench-nullproxy"):
        if not (b.bin / exe).exists():
            sys.exit(f"missing {b.bin / exe}: build first (or drop --no-build)")

    with open("/proc/cpuinfo") as f:
        cpu_model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), platform.processor())
    facts = {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "kernel": platform.release(),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
        "priority": a.priority,
        "pinning": None if a.no_pin else "upstream + load generator on CPU 0, each proxy on CPU 1",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
    }
    results = {"facts": facts, "config": vars(a), "reps": {}, "memory": {}}

    litellm_exe, litellm_why = (None, "--no-litellm") if a.no_litellm else litellm_ready()
    if litellm_why:
        log(f"LiteLLM not measured: {litellm_why}")
    results["litellm"] = {"version": LITELLM_VERSION, "missing": litellm_why}

    files = {}
    for name, model, stream in (("plain", MODEL, False), ("stream", MODEL, True), ("slow", MODEL + "-slow", True)):
        files[name] = b.tmp / f"{name}.json"
        files[name].write_text(body(model, stream))
    common = ["--timeout-ms", str(a.timeout_ms), "--max-inflight", str(a.max_inflight)]

    try:
        up = free_port()
        b.start("upstream", [str(b.bin / "bench-upstream"), "--listen", f"127.0.0.1:{up}", "--threads", "1",
                             "--events", str(a.stream_events), "--interval-ms", str(a.stream_interval_ms),
                             "--slow-events", "100", "--slow-interval-ms", "5000"],
                lambda: http_ok(up), cpu=0)
        urls = {"direct": f"http://127.0.0.1:{up}/v1/chat/completions"}
        only = set(x for x in a.only.split(",") if x)

        starters = {}

        def start_null():
            port = free_port()
            p = b.start("nullproxy", [str(b.bin / "bench-nullproxy"), "--listen", f"127.0.0.1:{port}", "--upstream",
                                      f"http://127.0.0.1:{up}"], lambda: http_ok(port), cpu=1)
            return p, f"http://127.0.0.1:{port}/v1/chat/completions"
        starters["nullproxy"] = start_null
        variants = [("airlock", False, b.bin / "airlock"), ("airlock-audit", True, b.bin / "airlock")]
        if a.base_bin:
            base = Path(a.base_bin) / "airlock"
            if not base.exists():
                sys.exit(f"missing {base}")
            variants += [("base", False, base), ("base-audit", True, base)]
        for name, audit, exe in variants:
            def start_airlock(name=name, audit=audit, exe=exe):
                port = free_port()
                cmd = [str(exe), "gateway", "--listen", f"127.0.0.1:{port}"]
                for prov in ("openai", "anthropic", "gemini"):
                    cmd += ["--upstream", f"{prov}=http://127.0.0.1:{up}"]
                if audit:
                    db = b.tmp / f"audit-{time.time_ns()}.db"
                    cmd += ["--audit-db", str(db)]
                else:
                    cmd += ["--no-audit"]
                logp = b.tmp / f"{name}.log"
                p = b.start(name, cmd, lambda: logp.exists() and "listening on" in logp.read_text(), cpu=1,
                            env={"AIRLOCK_LOG": "airlock_gateway=warn"})
                return p, f"http://127.0.0.1:{port}/v1/chat/completions"
            starters[name] = start_airlock
        if litellm_exe:
            def start_litellm():
                port = free_port()
                cfg = b.tmp / "litellm.yaml"
                cfg.write_text(LITELLM_CONFIG.format(model=MODEL, api_base=f"http://127.0.0.1:{up}/v1"))
                lcfg = b.tmp / "litellm-log.json"
                lcfg.write_text(json.dumps(LITELLM_LOG_CONFIG))
                p = b.start("litellm", [str(litellm_exe), "--config", str(cfg), "--host", "127.0.0.1", "--port",
                                        str(port), "--num_workers", "1", "--log_config", str(lcfg)],
                            lambda: http_ok(port, "/health/liveliness"), cpu=1, env=LITELLM_ENV, timeout=180)
                return p, f"http://127.0.0.1:{port}/v1/chat/completions"
            starters["litellm"] = start_litellm
        starters = {k: v for k, v in starters.items() if not only or k in only}

        procs = {}

        def start(t):
            if t in procs:
                b.stop(procs[t])
            p, urls[t] = starters[t]()
            procs[t] = p
            # Prime: imports, connection pools and caches warm before anything is measured.
            b.load(urls[t], files["plain"], ["--rate", "20", "--duration", "5"] + common)
            b.load(urls[t], files["stream"], ["--stream", "--rate", "2", "--duration", "3"] + common)
            wait_idle(p.pid)

        for t in starters:
            start(t)
        targets = list(urls)

        def measure(key, t, file, extra, rate):
            p = procs.get(t)
            c0 = cpu_s(p.pid) if p else None
            busy0 = system_busy()
            r = b.load(urls[t], file, extra + common)
            busy1 = system_busy()
            r["machine_busy_pct"] = round(100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 1)
            if p:
                cpu = cpu_s(p.pid) - c0
                r["proxy_cpu_s"] = round(cpu, 2)
                r["proxy_cpu_us_per_request"] = round(1e6 * cpu / max(1, rate * (a.duration + a.warmup)), 1)
                r["idle_after_s"] = wait_idle(p.pid)
                if r["idle_after_s"] is None:
                    log(f"  {t} still busy 90 s after the run: restarting it")
                    start(t)
            results["reps"].setdefault(key, {}).setdefault(t, []).append(r)
            return r

        # Each rate: every target in turn, so they see the same machine conditions; --repeat rounds of that.
        for rep, rate in [(rep, rate) for rep in range(a.repeat) for rate in rates]:
            for t in targets:
                first = results["reps"].get(f"plain@{rate:g}", {}).get(t, [None])[0]
                if first and first["ok"] == 0:
                    log(f"non-streaming {t} at {rate:g}/s: not repeated (round 1 failed every request)")
                    continue
                log(f"non-streaming {t} at {rate:g}/s ...")
                r = measure(f"plain@{rate:g}", t, files["plain"],
                            ["--rate", str(rate), "--duration", str(a.duration), "--warmup", str(a.warmup)], rate)
                log(f"  p50 {r['latency_us'].get('p50')} µs  p99 {r['latency_us'].get('p99')} µs  "
                    f"errors {r['error_total']}  achieved {r['achieved_rate']}/s  proxy CPU/request "
                    f"{r.get('proxy_cpu_us_per_request')} µs")

        for rate in stream_rates:
            for t in targets:
                log(f"streaming {t} at {rate:g} streams/s ...")
                r = measure(f"stream@{rate:g}", t, files["stream"],
                            ["--stream", "--rate", str(rate), "--duration", str(a.duration), "--warmup", "3"], rate)
                log(f"  ttfb p50 {r['ttfb_us'].get('p50')} µs  event delay p50 {r['event_delay_us'].get('p50')} µs  "
                    f"p99 {r['event_delay_us'].get('p99')} µs  errors {r['error_total']}")

        for t in ([] if a.no_memory else list(procs)):
            log(f"memory {t}: fresh process, {a.streams} open streams ...")
            start(t)
            pid = procs[t].pid
            time.sleep(1)
            idle = rss_kb(pid)
            ready = b.tmp / f"ready-{t}"
            cmd = b.prefix(0) + [str(b.bin / "bench-load"), "--url", urls[t], "--body", str(files["slow"]),
                                 "--open", str(a.streams), "--rate", str(a.open_rate), "--hold", str(a.hold),
                                 "--timeout-ms", "60000", "--ready-file", str(ready)]
            lg = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            while not ready.exists() and lg.poll() is None:
                time.sleep(0.2)
            samples = []
            while lg.poll() is None and len(samples) < max(1, int(a.hold * 2) - 2):
                samples.append(rss_kb(pid))
                time.sleep(0.5)
            out, _ = lg.communicate()
            r = json.loads(out)
            peak = max(samples) if samples else idle
            opened = max(1, r.get("opened", 0))
            r.update({"idle_rss_mb": round(idle / 1024, 1), "open_rss_mb": round(peak / 1024, 1),
                      "mb_per_stream": round((peak - idle) / 1024 / opened, 4),
                      "kb_per_stream": round((peak - idle) / opened, 1)})
            results["memory"][t] = r
            log(f"  idle {r['idle_rss_mb']} MB, with {r['opened']} open {r['open_rss_mb']} MB: "
                f"{r['kb_per_stream']} KB per stream; errors {r['error_total']}")
            b.stop(procs.pop(t))
    finally:
        b.stop_all()
        results["facts"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]

    # Added latency against the direct baseline of the same round; medians over rounds.
    added, runs = {}, {}
    for key, by_target in results["reps"].items():
        d = by_target.get("direct", [])
        for t, reps in by_target.items():
            runs.setdefault(key, {})[t] = merge(reps)
            if t == "direct" or not d:
                continue
            x = added.setdefault(key, {}).setdefault(t, {})
            kinds = [("latency", "latency_us"), ("service", "service_us")]
            if key.startswith("stream"):
                kinds += [("ttfb", "ttfb_us"), ("event_delay", "event_delay_us")]
            for name, field in kinds:
                per = [pct_diff(r, dr, field) for r, dr in zip(reps, d)]
                x[name] = {q: median([p[q] for p in per]) for q in ("p50", "p99", "p999")}
                if len(per) > 1:
                    x[name + "_range"] = {q: [min_none([p[q] for p in per]), max_none([p[q] for p in per])]
                                          for q in ("p50", "p99", "p999")}
    results["runs"] = runs
    results["added_us"] = added
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, indent=1))
    log(f"results: {a.out}")
    print(markdown(results, rates, stream_rates))
    shutil.rmtree(b.tmp, ignore_errors=True)


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else round((xs[n // 2 - 1] + xs[n // 2]) / 2, 1)


def min_none(xs):
    xs = [x for x in xs if x is not None]
    return min(xs) if xs else None


def max_none(xs):
    xs = [x for x in xs if x is not None]
    return max(xs) if xs else None


def merge(reps):
    """One run from several rounds: the median of each percentile, errors added up."""
    if len(reps) == 1:
        return dict(reps[0], rounds=1)
    out = dict(reps[0])
    for field in ("latency_us", "service_us", "sched_lag_us", "ttfb_us", "event_delay_us", "event_gap_us"):
        if field in out:
            out[field] = {q: median([r[field].get(q) for r in reps]) for q in reps[0][field]}
    for field in ("achieved_rate", "proxy_cpu_us_per_request", "proxy_cpu_s", "machine_busy_pct", "loadgen_cpu_s"):
        if field in out:
            out[field] = median([r.get(field) for r in reps])
    errors = {}
    for r in reps:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    out.update(errors=errors, error_total=sum(r["error_total"] for r in reps), sent=sum(r["sent"] for r in reps),
               ok=sum(r["ok"] for r in reps), rounds=len(reps))
    return out


def fmt(v, digits=0):
    if v is None:
        return "—"
    if abs(v) >= 10000:
        return f"{v / 1000:,.1f} ms"
    return f"{v:,.{digits}f}"


def markdown(res, rates, stream_rates):
    lines = []
    runs, added = res["runs"], res["added_us"]
    lines.append("| target | rate/s | achieved/s | latency p50 / p99 / p99.9 (µs) | added p50 / p99 / p99.9 (µs) "
                 "| errors | proxy CPU per request (µs) |")
    lines.append("|---|---|---|---|---|---|---|")
    for rate in rates:
        key = f"plain@{rate:g}"
        for t, r in runs.get(key, {}).items():
            l = r["latency_us"]
            ad = added.get(key, {}).get(t, {}).get("latency")
            adds = "baseline" if ad is None else " / ".join(fmt(ad[q]) for q in ("p50", "p99", "p999"))
            errs = r["error_total"]
            if errs:
                errs = f"{errs} ({', '.join(f'{k} {v}' for k, v in r['errors'].items())})"
            rng = added.get(key, {}).get(t, {}).get("latency_range")
            if rng:
                adds += f" (p99 {fmt(rng['p99'][0])} to {fmt(rng['p99'][1])} over {r['rounds']} rounds)"
            lines.append(f"| {t} | {rate:g} | {r['achieved_rate']:g} | "
                         f"{fmt(l.get('p50'))} / {fmt(l.get('p99'))} / {fmt(l.get('p999'))} | {adds} | {errs} | "
                         f"{fmt(r.get('proxy_cpu_us_per_request'))} |")
    for srate in stream_rates:
        key = f"stream@{srate:g}"
        s = runs.get(key, {})
        if not s:
            continue
        lines.append("")
        lines.append(f"| streaming, {srate:g} streams/s | TTFB p50 / p99 (µs) | added TTFB p50 / p99 "
                     "| event delay p50 / p99 / p99.9 (µs) | added per-event delay p50 / p99 / p99.9 | errors |")
        lines.append("|---|---|---|---|---|---|")
        for t, r in s.items():
            ad = added.get(key, {}).get(t, {})
            tt, ev = r["ttfb_us"], r["event_delay_us"]
            at = "baseline" if not ad else " / ".join(fmt(ad["ttfb"][q]) for q in ("p50", "p99"))
            ae = "baseline" if not ad else " / ".join(fmt(ad["event_delay"][q]) for q in ("p50", "p99", "p999"))
            lines.append(f"| {t} | {fmt(tt.get('p50'))} / {fmt(tt.get('p99'))} | {at} | "
                         f"{fmt(ev.get('p50'))} / {fmt(ev.get('p99'))} / {fmt(ev.get('p999'))} | {ae} | {r['error_total']} |")
    m = res["memory"]
    if m:
        lines.append("")
        lines.append("| target | idle RSS (MB) | RSS with streams open (MB) | streams open | per stream | errors |")
        lines.append("|---|---|---|---|---|---|")
        for t, r in m.items():
            lines.append(f"| {t} | {r['idle_rss_mb']} | {r['open_rss_mb']} | {r['opened']} | "
                         f"{r['kb_per_stream']} KB ({r['mb_per_stream']} MB) | {r['error_total']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
