#!/usr/bin/env python3
"""Sandbox startup benchmark: the wall time of running `true`, side by side in one run.

  direct            true
  airlock           airlock run --session never --workspace W -- true   (a fresh sandbox per call)
  airlock-session   airlock run --session require --workspace W -- true (a warm session: `airlock session start`)
  airlock-proxy     airlock run --workspace W --allow-domain x.example -- true   (egress proxy path)
  bwrap             bwrap with a profile equivalent to airlock's (see BWRAP below)
  srt-cli           srt -s SETTINGS true   (@anthropic-ai/sandbox-runtime CLI)
  srt-lib           per call, after warm-up: SandboxManager.wrapWithSandbox('true') + spawn (node)

Process-level targets go through hyperfine (`-N`: no intermediate shell) in --rounds rounds, every
target once per round in turn, so a load change on the machine hits all of them alike. srt as a
library is timed by a node script (srt_lib.mjs) in the same rounds. Overhead = target - direct,
compared at the median and at p95 of the same run.

Usage: python3 bench/sandbox/run.py [--runs 200] [--srt-runs 30] [--warmup 20] [--rounds 3] [--no-build]
       [--airlock PATH] [--only direct,bwrap,...] [--out FILE]

Needs hyperfine and bubblewrap (apt), socat and ripgrep for srt (apt), node and npm; srt is installed
into .bench-cache/srt (gitignored) on first use. Writes the JSON to --out (default
bench/sandbox/results/<date>.json) and prints a Markdown table.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = ROOT / ".bench-cache" / "srt"
# 0.0.78 is the newest release whose engines field accepts node 20 (0.0.79+ want node >= 22.12).
SRT_VERSION = os.environ.get("SRT_VERSION", "0.0.78")
TARGETS = ["direct", "airlock", "airlock-session", "airlock-proxy", "bwrap", "srt-cli", "srt-lib"]
# The toolchain entries of $HOME that airlock lets in read-only; the bwrap profile binds the same.
HOME_ALLOW = [".cargo", ".rustup", ".npm", ".pyenv", ".gitconfig"]


def sh(*args, **kw):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kw).stdout.strip()


def version(cmd):
    try:
        return subprocess.run(cmd, text=True, capture_output=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return None


def ensure_srt():
    cli = CACHE / "node_modules" / ".bin" / "srt"
    pkg = CACHE / "node_modules" / "@anthropic-ai" / "sandbox-runtime" / "package.json"
    if not pkg.exists() or json.loads(pkg.read_text())["version"] != SRT_VERSION:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund",
                        f"@anthropic-ai/sandbox-runtime@{SRT_VERSION}"], check=True)
    return cli, pkg.parent


def bwrap_argv(ws, home):
    """The airlock profile in bubblewrap terms: every namespace new, system directories read-only,
    a tmpfs home with the toolchain entries read-only, the workspace read-write with .git/hooks and
    .git/config read-only, a fresh /tmp, /proc and /dev, environment emptied to an allowlist."""
    a = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session"]
    for d in ["/usr", "/etc", "/opt"]:
        if os.path.isdir(d):
            a += ["--ro-bind", d, d]
    for d in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]:
        if os.path.islink(d):
            a += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            a += ["--ro-bind", d, d]
    a += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", home]
    for e in HOME_ALLOW:
        p = os.path.join(home, e)
        if os.path.exists(p):
            a += ["--ro-bind", p, p]
    a += ["--bind", ws, ws]
    for p in [os.path.join(ws, ".git", "hooks"), os.path.join(ws, ".git", "config")]:
        a += ["--ro-bind", p, p]
    a += ["--chdir", ws, "--clearenv", "--setenv", "PATH", os.environ.get("PATH", "/usr/bin:/bin"),
          "--setenv", "HOME", home, "--setenv", "LANG", "C.UTF-8", "--", "true"]
    return a


def stats(times):
    s = sorted(times)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    return {"mean_ms": statistics.fmean(s) * 1e3, "median_ms": statistics.median(s) * 1e3,
            "p95_ms": p95 * 1e3, "min_ms": s[0] * 1e3, "stddev_ms": statistics.pstdev(s) * 1e3, "n": len(s)}


def hyperfine(cmds, runs, warmup, ws):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        argv = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
                "--export-json", f.name]
        for name, cmd in cmds:
            argv += ["-n", name, cmd]
        subprocess.run(argv, check=True, cwd=ws, stdout=subprocess.DEVNULL)
        data = json.load(open(f.name))
    out = {}
    for r in data["results"]:
        if any(c != 0 for c in (r.get("exit_codes") or [])):
            sys.exit(f"{r['command']}: non-zero exit status in the benchmark")
        out[r["command"]] = r["times"]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200, help="runs per target per round")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--srt-runs", type=int, default=30, help="runs per round for srt-cli and srt-lib (each takes 0.3-2 s)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build --release -p airlock-cli")
    ap.add_argument("--airlock", help="airlock binary (default: the release build of this checkout)")
    ap.add_argument("--only", help="comma-separated subset of " + ",".join(TARGETS))
    ap.add_argument("--out", help="results JSON (default bench/sandbox/results/<date>.json)")
    ap.add_argument("--note", help="free text stored in the JSON (e.g. which commit --airlock was built from)")
    args = ap.parse_args()

    only = args.only.split(",") if args.only else list(TARGETS)
    for t in only:
        if t not in TARGETS:
            sys.exit(f"unknown target {t}; choose from {TARGETS}")
    for tool in ["hyperfine", "bwrap"]:
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install {'bubblewrap' if tool == 'bwrap' else tool}")

    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    airlock = Path(args.airlock) if args.airlock else target_dir / "release" / "airlock"
    has_session = False
    if any(t.startswith("airlock") for t in only):
        if not args.no_build and not args.airlock:
            subprocess.run(["cargo", "build", "--release", "-p", "airlock-cli"], check=True, cwd=ROOT)
        probe = subprocess.run([str(airlock), "run", "--help"], capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"note: {airlock} has no `run` subcommand yet; airlock targets left out", file=sys.stderr)
            only = [t for t in only if not t.startswith("airlock")]
        has_session = "--session" in probe.stdout
        if not has_session and "airlock-session" in only:
            print(f"note: {airlock} has no sessions yet; airlock-session left out", file=sys.stderr)
            only = [t for t in only if t != "airlock-session"]

    srt_cli, srt_pkg = ensure_srt() if any(t.startswith("srt") for t in only) else (None, None)

    home = os.path.expanduser("~")
    tmp = Path(tempfile.mkdtemp(prefix="airlock-sandbox-bench-"))
    ws = str((tmp / "ws").resolve())
    os.makedirs(ws)
    sh("git", "init", "-q", ws)
    Path(ws, "README.md").write_text("bench\n")
    sh("git", "-C", ws, "add", "README.md")
    sh("git", "-C", ws, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "init")
    settings = tmp / "srt-settings.json"
    # srt's equivalent: no network, ~/.ssh and the other credential stores unreadable, the workspace writable.
    settings.write_text(json.dumps({
        "network": {"allowedDomains": [], "deniedDomains": []},
        "filesystem": {"denyRead": ["~/.ssh", "~/.aws", "~/.config/gh", "~/.netrc", "~/.docker", "~/.kube"],
                       "allowWrite": [ws], "denyWrite": [os.path.join(ws, ".git/hooks"), os.path.join(ws, ".git/config")]},
    }))

    cmds = []
    if "direct" in only:
        cmds.append(("direct", shutil.which("true")))
    session = None
    if "airlock-session" in only:
        # A warm session for W; its row must use it (`require`), the fresh row must not (`never`).
        session = subprocess.Popen([str(airlock), "session", "serve", "--workspace", ws, "--idle-timeout", "3600"],
                                   cwd=ws, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        line = session.stdout.readline()
        if not line.startswith("ready "):
            sys.exit(f"airlock session serve did not start: {line!r}")
    if "airlock" in only:
        never = "--session never " if has_session else ""
        cmds.append(("airlock", f"{airlock} run {never}--workspace {ws} -- true"))
    if "airlock-session" in only:
        cmds.append(("airlock-session", f"{airlock} run --session require --workspace {ws} -- true"))
    if "airlock-proxy" in only:
        cmds.append(("airlock-proxy", f"{airlock} run --workspace {ws} --allow-domain x.example -- true"))
    if "bwrap" in only:
        cmds.append(("bwrap", " ".join(bwrap_argv(ws, home))))
    if "srt-cli" in only:
        cmds.append(("srt-cli", f"{srt_cli} -s {settings} true"))

    times = {name: [] for name, _ in cmds}
    rounds = {name: [] for name, _ in cmds}
    if "srt-lib" in only:
        times["srt-lib"], rounds["srt-lib"] = [], []
    load_before = os.getloadavg()
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
        fast = [c for c in cmds if not c[0].startswith("srt")]
        slow = [c for c in cmds if c[0].startswith("srt")]
        for group, runs, warm in [(fast, args.runs, args.warmup), (slow, args.srt_runs, min(args.warmup, 5))]:
            if not group:
                continue
            got = hyperfine(group, runs, warm, ws)
            for name, _ in group:
                times[name] += got[name]
                rounds[name].append(statistics.median(got[name]) * 1e3)
        if "srt-lib" in only:
            out = subprocess.run(["node", str(HERE / "srt_lib.mjs"), str(srt_pkg / "dist" / "index.js"), str(settings),
                                  str(args.srt_runs), str(min(args.warmup, 5))], check=True, cwd=ws, capture_output=True, text=True)
            got = json.loads(out.stdout)["times"]
            times["srt-lib"] += got
            rounds["srt-lib"].append(statistics.median(got) * 1e3)
    load_after = os.getloadavg()
    if session:
        session.terminate()
        session.wait()

    summary = {name: stats(t) | {"round_medians_ms": rounds[name]} for name, t in times.items() if t}
    if "direct" in summary:
        d = summary["direct"]
        for name, s in summary.items():
            s["overhead_median_ms"] = s["median_ms"] - d["median_ms"]
            s["overhead_mean_ms"] = s["mean_ms"] - d["mean_ms"]
            s["overhead_p95_ms"] = s["p95_ms"] - d["p95_ms"]

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    result = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "commit": sh("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
        "note": args.note,
        "machine": {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
                    "loadavg_before": load_before, "loadavg_after": load_after},
        "versions": {"hyperfine": version(["hyperfine", "--version"]), "bwrap": version(["bwrap", "--version"]),
                     "srt": version([str(srt_cli), "--version"]) if srt_cli else None,
                     "node": version(["node", "--version"]),
                     "airlock": str(airlock) if any(t.startswith("airlock") for t in summary) else None},
        "settings": {"runs_per_round": args.runs, "srt_runs_per_round": args.srt_runs, "warmup": args.warmup,
                     "rounds": args.rounds},
        "commands": dict(cmds) | ({"srt-lib": "node bench/sandbox/srt_lib.mjs (wrapWithSandbox('true') + spawn, shell)"} if "srt-lib" in summary else {}),
        "results": summary,
        "times_s": times,
    }
    out = Path(args.out) if args.out else HERE / "results" / f"{datetime.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{cpu}, {os.cpu_count()} cores, Linux {platform.release()}; {args.rounds} rounds x {args.runs} runs ({args.srt_runs} for srt); "
          f"load {load_before[0]:.2f} -> {load_after[0]:.2f}\n")
    print("| what | mean | median | p95 | overhead over direct (median / p95) | round medians |")
    print("|---|---|---|---|---|---|")
    for name in TARGETS:
        if name not in summary:
            continue
        s = summary[name]
        over = "—" if name == "direct" or "overhead_median_ms" not in s else f"{s['overhead_median_ms']:+.2f} / {s['overhead_p95_ms']:+.2f} ms"
        rm = ", ".join(f"{x:.2f}" for x in s["round_medians_ms"])
        print(f"| {name} | {s['mean_ms']:.2f} ms | {s['median_ms']:.2f} ms | {s['p95_ms']:.2f} ms | {over} | {rm} |")
    print(f"\nresults: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
