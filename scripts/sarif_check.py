#!/usr/bin/env python3
"""Validate `airlock scan --format sarif` against the OASIS SARIF 2.1.0 JSON schema.

The schema comes from the npm registry (it ships inside Microsoft's `@microsoft/jest-sarif` package as
`sarif-2.1.0-rtm.5.json`, the 2.1.0 release schema) and is cached under target/. The check scans a
scratch project with findings of several kinds (code rules, workflow, notebook, a file name that needs
URI escaping, an unreadable notebook), a clean project, and a scan with an error, and validates each log;
then `airlock review --staged --format sarif` of a staged JWT hole, with a scripted local reviewer.
Exits 1 on any schema violation; prints a visible SKIP when neither the cache nor npm can supply the schema.
"""
import http.server, json, os, shutil, subprocess, sys, tarfile, tempfile, threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(ROOT, "target", "sarif-schema")
SCHEMA = os.path.join(CACHE, "sarif-2.1.0-rtm.5.json")
PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"


def schema():
    if os.path.exists(SCHEMA):
        return SCHEMA
    if not shutil.which("npm"):
        return None
    os.makedirs(CACHE, exist_ok=True)
    p = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=CACHE, capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stderr[-2000:], file=sys.stderr)
        return None
    tgz = os.path.join(CACHE, p.stdout.strip().splitlines()[-1])
    with tarfile.open(tgz) as t:
        member = t.getmember("package/lib/schemas/sarif-2.1.0-rtm.5.json")
        with t.extractfile(member) as src, open(SCHEMA, "wb") as dst:
            dst.write(src.read())
    os.remove(tgz)
    return SCHEMA


def validator(path):
    try:
        import jsonschema
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "jsonschema"], check=True)
        import jsonschema
    with open(path) as f:
        s = json.load(f)
    cls = jsonschema.validators.validator_for(s)
    cls.check_schema(s)
    return cls(s)


def sarif(airlock, cwd, args):
    p = subprocess.run([airlock, "scan", "--format", "sarif", *args], cwd=cwd, capture_output=True)
    if p.returncode not in (0, 1, 2, 3):
        sys.exit(f"sarif-check: airlock scan crashed ({p.returncode}): {p.stderr.decode()[:2000]}")
    return p.returncode, json.loads(p.stdout)


def review_sarif(airlock, d):
    """`airlock review --staged --format sarif` with a scripted OpenAI-compatible reviewer on loopback."""
    finding = {"file": "src/auth.py", "line": 4, "end_line": None, "severity": "critical", "title": "JWT algorithm confusion",
               "explanation": "HS256 beside RS256", "suggested_fix": "algorithms=[\"RS256\"]", "cwe": "CWE-347"}

    class Reviewer(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            doc = json.dumps({"findings": [finding]})
            out = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": doc}, "finish_reason": "stop"}]}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Reviewer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    repo = os.path.join(d, "review-repo")
    os.makedirs(os.path.join(repo, "src"))
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "AIRLOCK_USER_CONFIG": os.path.join(d, "review-user.toml"), "AIRLOCK_MANAGED_CONFIG": os.path.join(d, "none.toml"),
           "AIRLOCK_AUDIT_DB": os.path.join(d, "none.db")}
    with open(env["AIRLOCK_USER_CONFIG"], "w") as f:
        f.write('[review]\ndefault = "local"\n[[review.reviewers]]\nname = "local"\napi = "openai-compatible"\n'
                f'provider = "scripted"\nmodel = "m"\nbase_url = "http://127.0.0.1:{server.server_port}/v1"\n')
    git = lambda *a: subprocess.run(["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", *a], env=env, check=True, capture_output=True)
    git("init", "-q")
    path = os.path.join(repo, "src", "auth.py")
    with open(path, "w") as f:
        f.write('import jwt\n\ndef verify(t):\n    return jwt.decode(t, PUBLIC_KEY, algorithms=["RS256"])\n')
    git("add", "-A")
    git("commit", "-q", "-m", "init")
    with open(path, "w") as f:
        f.write('import jwt\n\ndef verify(t):\n    return jwt.decode(t, PUBLIC_KEY, algorithms=["RS256", "HS256"])\n')
    git("add", "-A")
    p = subprocess.run([airlock, "review", "--staged", "--format", "sarif"], cwd=repo, env=env, capture_output=True)
    server.shutdown()
    if p.returncode not in (0, 1, 2):
        sys.exit(f"sarif-check: airlock review failed ({p.returncode}): {p.stderr.decode()[:2000]}")
    return p.returncode, json.loads(p.stdout)


def main():
    airlock = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "airlock")
    path = schema()
    if not path:
        print("sarif-check: SKIP: the SARIF 2.1.0 schema is not cached and npm could not fetch it")
        return 0
    v = validator(path)
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "src"))
        os.makedirs(os.path.join(d, ".github", "workflows"))
        files = {
            "src/auth.py": 'import jwt\n\ndef verify(t):\n    return jwt.decode(t, PUBLIC_KEY, algorithms=["RS256", "HS256"])\n',
            "src/my app.js": "const r = Math.random().toString(36);\nconst sessionToken = r;\nchild_process.exec('ls ' + req.query.dir);\n",
            ".github/workflows/ci.yml": "on: issue_comment\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.comment.body }}\"\n",
            "nb.ipynb": json.dumps({"cells": [{"cell_type": "code", "source": ["import requests\n", "requests.get(u, verify=False)\n"]}], "nbformat": 4}, indent=1),
            "broken.ipynb": "{not json",
            "src/ok.go": "package ok\n\nfunc Add(a, b int) int { return a + b }\n",
        }
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        clean = os.path.join(d, "src", "ok.go")
        cases = [("findings", [".", "--no-ignore"]), ("clean", [clean]), ("error", ["src", "missing-path"])]
        for name, args in cases:
            code, log = sarif(airlock, d, args)
            errors = sorted(v.iter_errors(log), key=lambda e: list(e.path))
            results = len(log["runs"][0]["results"])
            status = "ok" if not errors else f"{len(errors)} schema errors"
            print(f"  sarif {name:<9} exit {code} results {results:>2}: {status}")
            for e in errors[:10]:
                print(f"    at {'/'.join(map(str, e.path))}: {e.message[:300]}")
            failures += len(errors)
            if name == "findings" and results < 5:
                print("    expected at least 5 results")
                failures += 1
            if name == "findings":
                # The validator must reject a broken log, or this check proves nothing.
                broken = json.loads(json.dumps(log))
                broken["runs"][0]["results"][0]["level"] = "fatal"
                del broken["version"]
                if not list(v.iter_errors(broken)):
                    print("    the schema accepted a log with a bad level and no version")
                    failures += 1
        code, log = review_sarif(airlock, d)
        errors = sorted(v.iter_errors(log), key=lambda e: list(e.path))
        results = log["runs"][0]["results"]
        print(f"  sarif {'review':<9} exit {code} results {len(results):>2}: {'ok' if not errors else f'{len(errors)} schema errors'}")
        for e in errors[:10]:
            print(f"    at {'/'.join(map(str, e.path))}: {e.message[:300]}")
        failures += len(errors)
        if not any(r["ruleId"] == "review/scripted" for r in results):
            print("    expected the reviewer's finding (ruleId review/scripted)")
            failures += 1
    if failures:
        print("sarif-check: FAILED")
        return 1
    print("sarif-check: ok (validated against the SARIF 2.1.0 schema)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
