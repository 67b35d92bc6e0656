#!/usr/bin/env python3
"""Side by side: `airlock scan` and Semgrep on the labeled code corpus, same files, same machine.

Usage: scripts/semgrep_compare.py [--semgrep PATH] [--airlock PATH] [--runs N]

Semgrep runs offline with the corpus's own rules (the `<name>.yaml` beside each test file; they were written
for these very files, so Semgrep's recall here is an upper bound for it): `semgrep scan --metrics=off
--config <each rule> <files>`. Both tools are scored by the same line scoring as scripts/code_detection.py,
and timed as whole processes (median of --runs): the full corpus, and one file as an agent hook sees it.
Install Semgrep with `python3 -m venv target/semgrep-venv && target/semgrep-venv/bin/pip install semgrep`.
"""
import argparse, collections, json, os, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from code_detection import score, table  # noqa: E402


def timed(cmd, cwd, runs):
    times, p = [], None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times), p


def rule_for(corpus, f):
    base = f.rsplit(".", 1)[0]
    if base.endswith(".test"):
        base = base[:-5]
    for ext in (".yaml", ".yml"):
        if os.path.exists(os.path.join(corpus, base + ext)) and base + ext != f:
            return base + ext
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--semgrep", default=os.path.join(ROOT, "target", "semgrep-venv", "bin", "semgrep"))
    ap.add_argument("--airlock", default=os.path.join(ROOT, "target", "release", "airlock"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora", "code", "semgrep-rules"))
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(a.semgrep):
        print(f"semgrep-compare: SKIP: no Semgrep at {a.semgrep} (see --help to install it)")
        return 0
    rows = [json.loads(l) for l in open(os.path.join(a.corpus, "labels.jsonl"), encoding="utf-8") if l.strip()]
    files = sorted({r["file"] for r in rows})
    rules = sorted({r for r in (rule_for(a.corpus, f) for f in files) if r})
    version = subprocess.run([a.semgrep, "--version"], capture_output=True, text=True).stdout.strip()

    air_cmd = [a.airlock, "scan", "--no-ignore", "--format", "json", *files]
    air_t, p = timed(air_cmd, a.corpus, a.runs)
    air = json.loads(p.stdout)
    air_starts = collections.defaultdict(list)
    for f in air["findings"]:
        air_starts[f["path"]].append((f["line"], f["code"]))

    sg_cmd = [a.semgrep, "scan", "--metrics=off", "--disable-version-check", "--no-git-ignore", "--json", "--quiet"]
    for r in rules:
        sg_cmd += ["--config", r]
    sg_t, p = timed(sg_cmd + files, a.corpus, a.runs)
    try:
        sg = json.loads(p.stdout)
    except json.JSONDecodeError:
        sys.exit(f"semgrep-compare: Semgrep printed no JSON ({p.returncode}): {p.stderr.decode()[-2000:]}")
    sg_starts = collections.defaultdict(list)
    for r in sg.get("results", []):
        sg_starts[r["path"]].append((r["start"]["line"], r["check_id"].rsplit(".", 1)[-1]))

    # One file, as a hook judges one write: the seed line in Python.
    one = "python/jwt/security/jwt-hardcode.py" if os.path.exists(os.path.join(a.corpus, "python/jwt/security/jwt-hardcode.py")) else files[0]
    one_rule = rule_for(a.corpus, one)
    air1, _ = timed([a.airlock, "scan", "--format", "json", one], a.corpus, a.runs)
    sg1, _ = timed([a.semgrep, "scan", "--metrics=off", "--disable-version-check", "--json", "--quiet", "--config", one_rule, one], a.corpus, a.runs)

    print(f"airlock {air.get('version', '')} vs {version}; {len(files)} files, {len(rules)} Semgrep rules; cores: {os.cpu_count()}")
    for name, starts in (("airlock", air_starts), ("semgrep", sg_starts)):
        stats, _ = score(rows, starts)
        s = stats[("all", "all")]
        print(f"\n== {name}: recall {s['found'] / s['finding']:.1%} ({s['found']}/{s['finding']}), "
              f"clean lines falsely flagged {s['false'] / s['clean']:.1%} ({s['false']}/{s['clean']})")
        table(stats, "lang")
    print(f"\nwall time, whole corpus ({len(files)} files), median of {a.runs}: airlock {air_t:.3f} s, semgrep {sg_t:.2f} s "
          f"({sg_t / air_t:.0f}x)")
    print(f"wall time, one file ({one}): airlock {air1 * 1000:.1f} ms, semgrep {sg1 * 1000:.0f} ms ({sg1 / air1:.0f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
