#!/usr/bin/env python3
"""Detection of `airlock scan` on the labeled code corpus (../shared/corpora/code/semgrep-rules).

Usage: scripts/code_detection.py [--airlock PATH] [--corpus DIR] [--gate] [--misses LANG] [--false LANG] [--json OUT]

Scores by line, as the corpus README says: a labeled `finding` line is found when an airlock finding starts
within one line of it; a `clean` line is falsely flagged when a finding starts within one line of it and no
`finding` line of the same file is within one line of that finding. Prints recall and the clean-line
false-finding rate per language and per CWE, plus the seed checks (the planted JWT line and its safe twin
in Python, the same hole in JavaScript, Go, Java and Rust). With --gate, exits 1 when a number falls below
the floor recorded here (docs/detection.md explains them) or a seed check fails.
When the corpus is absent the script prints a visible SKIP and exits 0.
"""
import argparse, collections, json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Floors for --gate: a little under the measured numbers, so a regression fails CI.
FLOOR_RECALL = 0.47
CEIL_CLEAN_FALSE = 0.04

SEEDS = [
    # (file name, source, expected rule or None for clean)
    ("seed.py", 'import jwt\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256", "HS256"])\n', "JWT001"),
    ("twin.py", 'import jwt\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"])\n', None),
    ("seed.js", "const jwt = require('jsonwebtoken');\nmodule.exports = (t) => jwt.verify(t, publicKey, { algorithms: ['RS256', 'HS256'] });\n", "JWT001"),
    ("twin.js", "const jwt = require('jsonwebtoken');\nmodule.exports = (t) => jwt.verify(t, publicKey, { algorithms: ['RS256'] });\n", None),
    ("seed.go", 'package auth\n\nfunc Verify(s string) (*jwt.Token, error) {\n\treturn jwt.Parse(s, keyFunc, jwt.WithValidMethods([]string{"RS256", "HS256"}))\n}\n', "JWT001"),
    ("twin.go", 'package auth\n\nfunc Verify(s string) (*jwt.Token, error) {\n\treturn jwt.Parse(s, keyFunc, jwt.WithValidMethods([]string{"RS256"}))\n}\n', None),
    ("Seed.java", "class Seed {\n  Object sel = new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.HS256), keys);\n}\n", "JWT001"),
    ("Twin.java", "class Twin {\n  Object sel = new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256), keys);\n}\n", None),
    ("seed.rs", "fn validation() -> Validation {\n    let mut v = Validation::new(Algorithm::RS256);\n    v.algorithms = vec![Algorithm::RS256, Algorithm::HS256];\n    v\n}\n", "JWT001"),
    ("twin.rs", "fn validation() -> Validation {\n    let mut v = Validation::new(Algorithm::RS256);\n    v.algorithms = vec![Algorithm::RS256];\n    v\n}\n", None),
]


def cwe_of(row):
    c = row.get("cwe") or []
    if isinstance(c, str):
        c = [c]
    for x in c:
        m = re.match(r"\s*(CWE-\d+)", x)
        if m:
            return m.group(1)
    return "none"


def lang(r):
    return r["file"].split("/", 1)[0]


def score(rows, starts):
    """Line scoring. `starts` maps a file to its findings' (start line, code). Returns (stats, outcome)."""
    finding_lines = collections.defaultdict(set)
    for r in rows:
        if r["expect"] == "finding":
            finding_lines[r["file"]].add(r["line"])
    stats = collections.defaultdict(collections.Counter)
    outcome = []
    for r in rows:
        near = [(l, c) for (l, c) in starts.get(r["file"], []) if abs(l - r["line"]) <= 1]
        if r["expect"] == "finding":
            hit = bool(near)
        else:
            hit = any(not any(abs(l - fl) <= 1 for fl in finding_lines[r["file"]]) for (l, _) in near)
        key = "found" if r["expect"] == "finding" else "false"
        for group in (("lang", lang(r)), ("cwe", cwe_of(r)), ("all", "all")):
            s = stats[group]
            s[r["expect"]] += 1
            s[key] += hit
            if r["expect"] == "finding" and not r.get("todo"):
                s["finding_nt"] += 1
                s["found_nt"] += hit
        outcome.append({"file": r["file"], "line": r["line"], "expect": r["expect"], "todo": r.get("todo", False),
                        "flagged": hit, "codes": sorted({c for _, c in near})})
    return stats, outcome


def pct(n, d):
    return f"{100 * n / d:5.1f}%" if d else "    -"


def table(stats, kind, min_rows=0):
    print(f"\n{kind:<12} {'finding':>7} {'recall':>7} {'(no todo)':>9} {'clean':>6} {'falsely flagged':>16}")
    keys = sorted(k for k in stats if k[0] == kind)
    keys.sort(key=lambda k: -(stats[k]["finding"] + stats[k]["clean"]))
    for k in keys:
        s = stats[k]
        if s["finding"] + s["clean"] < min_rows:
            continue
        print(f"{k[1]:<12} {s['finding']:>7} {pct(s['found'], s['finding']):>7} {pct(s['found_nt'], s['finding_nt']):>9} {s['clean']:>6} {pct(s['false'], s['clean']):>16}")


def scan(airlock, cwd, files):
    p = subprocess.run([airlock, "scan", "--no-ignore", "--format", "json", *files], cwd=cwd, capture_output=True)
    if p.returncode not in (0, 1, 2):
        sys.exit(f"code-detection: airlock scan failed ({p.returncode}): {p.stderr.decode()[:2000]}")
    return json.loads(p.stdout)


def seed_checks(airlock):
    failures = []
    with tempfile.TemporaryDirectory() as d:
        for name, src, _ in SEEDS:
            with open(os.path.join(d, name), "w") as f:
                f.write(src)
        out = scan(airlock, d, [s[0] for s in SEEDS])
        got = collections.defaultdict(set)
        for f in out["findings"]:
            got[f["path"]].add(f["code"])
        for name, _, want in SEEDS:
            ok = (want in got[name]) if want else not got[name]
            print(f"  seed {name:<10} expect {want or 'clean':<7} got {','.join(sorted(got[name])) or 'clean':<12} {'ok' if ok else 'FAIL'}")
            if not ok:
                failures.append(name)
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--airlock", default=os.path.join(ROOT, "target", "release", "airlock"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpora", "code", "semgrep-rules"))
    ap.add_argument("--gate", action="store_true")
    ap.add_argument("--misses", metavar="LANG", help="list missed finding lines of a language")
    ap.add_argument("--false", metavar="LANG", help="list falsely flagged clean lines of a language")
    ap.add_argument("--json", metavar="OUT", help="write the per-line outcome to OUT (for the Semgrep comparison)")
    a = ap.parse_args()
    print("seed checks:")
    seed_fail = seed_checks(a.airlock)
    labels = os.path.join(a.corpus, "labels.jsonl")
    if not os.path.exists(labels):
        print(f"code-detection: SKIP: corpus not found at {labels}")
        return 1 if seed_fail else 0
    rows = [json.loads(l) for l in open(labels, encoding="utf-8") if l.strip()]
    files = sorted({r["file"] for r in rows})
    out = scan(a.airlock, a.corpus, files)
    starts = collections.defaultdict(list)
    for f in out["findings"]:
        starts[f["path"]].append((f["line"], f["code"]))
    stats, outcome = score(rows, starts)
    for o, r in zip(outcome, rows):
        if a.misses and lang(r) == a.misses and r["expect"] == "finding" and not o["flagged"]:
            print(f"MISS {r['file']}:{r['line']} ({r['rule']}, {cwe_of(r)})")
        if a.false and lang(r) == a.false and r["expect"] == "clean" and o["flagged"]:
            print(f"FALSE {r['file']}:{r['line']} ({r['rule']}) by {','.join(o['codes'])}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(outcome, f)

    table(stats, "lang")
    table(stats, "cwe", min_rows=15)
    s = stats[("all", "all")]
    recall = s["found"] / s["finding"]
    false_rate = s["false"] / s["clean"]
    unlabeled = sum(1 for p, lst in starts.items() for (l, _) in lst
                    if not any(abs(l - r) <= 1 for r in {x["line"] for x in rows if x["file"] == p}))
    print(f"\nall: recall {recall:.1%} of {s['finding']} finding lines; {false_rate:.1%} of {s['clean']} clean lines falsely flagged; "
          f"{len(out['findings'])} findings in {out['files_scanned']} files, {unlabeled} on unlabeled lines")
    if a.gate:
        bad = []
        if recall < FLOOR_RECALL:
            bad.append(f"recall {recall:.1%} < floor {FLOOR_RECALL:.0%}")
        if false_rate > CEIL_CLEAN_FALSE:
            bad.append(f"clean false-finding rate {false_rate:.1%} > ceiling {CEIL_CLEAN_FALSE:.0%}")
        if seed_fail:
            bad.append(f"seed checks failed: {', '.join(seed_fail)}")
        if bad:
            print("code-detection gate FAILED: " + "; ".join(bad))
            return 1
        print("code-detection gate: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
