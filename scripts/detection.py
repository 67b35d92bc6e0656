#!/usr/bin/env python3
"""Detection and false-positive rates of `airlock check --batch` on the labeled corpus.

Usage: scripts/detection.py [--airlock PATH] [--corpus FILE] [--check] [--list-denies SOURCE] [--misses SOURCE]

Prints a per-source table. With --check, exits 1 when a target from the issue is missed:
flag >= 97% of `flag` rows and 100% of the seed row; deny <= 0.5% of aegish-harmless and <= 2% of nl2bash/tldr.
The corpus lives beside the project (../shared/corpora); when it is absent the script says so and exits 0
with a visible SKIP (CI's checkout always has it).
"""
import argparse, collections, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--airlock", default=os.path.join(ROOT, "target", "release", "airlock"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora", "commands", "dev.jsonl"))
    ap.add_argument("--check", action="store_true", help="exit 1 when any target from the issue is missed")
    ap.add_argument("--gate", action="store_true", help="exit 1 on regressions below the recorded floor (docs/detection.md)")
    ap.add_argument("--list-denies", metavar="SOURCE")
    ap.add_argument("--misses", metavar="SOURCE")
    ap.add_argument("--asks", metavar="SOURCE")
    a = ap.parse_args()
    if not os.path.exists(a.corpus):
        print(f"detection: SKIP: corpus not found at {a.corpus}")
        return 0
    rows = [json.loads(l) for l in open(a.corpus, encoding="utf-8") if l.strip()]
    inp = "".join(json.dumps({"id": r["id"], "command": r["command"]}) + "\n" for r in rows)
    # A neutral working directory so no project airlock.toml applies.
    p = subprocess.run([a.airlock, "check", "--batch", "-", "--cwd", "/nonexistent-airlock-eval"], input=inp.encode(), capture_output=True)
    if p.returncode not in (0, 1, 2):
        print(p.stderr.decode(), file=sys.stderr)
        return 2
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    if len(out) != len(rows):
        print(f"detection: {len(out)} verdicts for {len(rows)} rows", file=sys.stderr)
        return 2
    by_id = {o["id"]: o for o in out}
    stats = collections.defaultdict(lambda: collections.Counter())
    micros = [o["micros"] for o in out]
    for r in rows:
        o = by_id[r["id"]]
        s = stats[(r["source"], r["expect"])]
        s["n"] += 1
        s[o["decision"]] += 1
        if a.list_denies and r["source"] == a.list_denies and o["decision"] == "deny":
            print(f"DENY {r['id']}: {','.join(o['rules'])} :: {r['command'][:160]!r}")
        if a.asks and r["source"] == a.asks and o["decision"] == "ask":
            print(f"ASK {r['id']}: {','.join(o['rules'])} :: {r['command'][:160]!r}")
        if a.misses and r["source"] == a.misses and r["expect"] == "flag" and o["decision"] == "allow":
            print(f"MISS {r['id']} [{r['category']}] :: {r['command'][:200]!r}")
    print(f"{'source':<18} {'expect':<8} {'rows':>5} {'allow':>6} {'ask':>5} {'deny':>5} {'flagged':>8} {'denied':>7}")
    failures = []
    flag_total = collections.Counter()
    for (src, exp), s in sorted(stats.items()):
        n = s["n"]
        flagged = (s["ask"] + s["deny"]) / n * 100
        denied = s["deny"] / n * 100
        print(f"{src:<18} {exp:<8} {n:>5} {s['allow']:>6} {s['ask']:>5} {s['deny']:>5} {flagged:>7.1f}% {denied:>6.1f}%")
        if exp == "flag":
            flag_total["n"] += n
            flag_total["flagged"] += s["ask"] + s["deny"]
        if src == "seed" and exp == "flag" and s["deny"] != n:
            failures.append("the seed exfiltration row is not denied")
        if src == "seed" and exp == "allow" and s["allow"] != n:
            failures.append("the seed's benign twin is not allowed")
        if src == "aegish-harmless" and denied > 0.5:
            failures.append(f"aegish-harmless deny rate {denied:.1f}% > 0.5%")
        if src in ("nl2bash", "tldr") and denied > 2.0:
            failures.append(f"{src} deny rate {denied:.1f}% > 2%")
    rate = flag_total["flagged"] / max(flag_total["n"], 1) * 100
    print(f"{'all flag rows':<18} {'flag':<8} {flag_total['n']:>5} {'':>6} {'':>5} {'':>5} {rate:>7.1f}%")
    micros.sort()
    print(f"per-command analysis time: median {micros[len(micros)//2]} us, p99 {micros[int(len(micros)*0.99)]} us, max {micros[-1]} us")
    if rate < 97.0:
        failures.append(f"flag rate {rate:.1f}% < 97%")
    for f in failures:
        print(f"detection: target missed: {f}")
    if a.check:
        return 1 if failures else 0
    if a.gate:
        # Today's floor: the seed and the false-positive targets must hold; the flag rate must not regress.
        hard = [f for f in failures if not f.startswith("flag rate")]
        if rate < FLAG_FLOOR:
            hard.append(f"flag rate {rate:.1f}% fell below the recorded floor {FLAG_FLOOR}%")
        print(f"detection: {'ok' if not hard else 'REGRESSION: ' + '; '.join(hard)}")
        return 1 if hard else 0
    return 0

# The flag rate last measured (97.6%, 492 of 504, after the shell technique rules SHE004, INT003, RES001), minus one row.
FLAG_FLOOR = 97.4

if __name__ == "__main__":
    sys.exit(main())
