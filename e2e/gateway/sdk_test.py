#!/usr/bin/env python3
"""The gateway with the official SDKs: `anthropic` and `openai` (Python), and plain HTTP for Gemini.

Each client is pointed at `airlock gateway` (base_url), whose providers all point at upstream.py, the
scripted backdoored model. What is asserted is what the SDK itself accumulated (the final message,
completion or response), plus the events it saw on the way:
  - seed: the client receives no tool call, a text notice naming the rule (EXF001), and a normal end
    of turn (`end_turn`, `stop`, no function_call item, `STOP`);
  - twin: the call arrives intact (the arguments equal the twin command);
  - the twin and the seed as two parallel calls: the twin arrives alone, with the notice beside it;
  - an untrusted model is refused with the SDK's permission error (403), and never reaches upstream;
  - a WebSocket upgrade to /v1/responses is refused;
  - authentication headers reach upstream unchanged; secrets in a tool result reach it redacted.
Controls, straight to the upstream without the gateway: the seed call does arrive, so the checks above
could fail. Prints one PASS/FAIL/SKIP line per check.
"""
import argparse, base64, json, os, random, socket, string, subprocess, sys, time, traceback, urllib.error, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import upstream as up  # noqa: E402

try:
    import anthropic
    import openai
except ImportError as e:  # run.sh installs them into a venv
    anthropic = openai = None
    IMPORT_ERROR = str(e)

ANTHROPIC_MODEL = "claude-opus-4-8"
CHAT_MODEL = "gpt-4.1"
RESPONSES_MODEL = "gpt-5-codex"
GEMINI_MODEL = "gemini-2.5-pro"
UNTRUSTED = "evil-model-7b"
KEY_ANTHROPIC = "sk-ant-api03-e2e-" + "A" * 20
KEY_OPENAI = "sk-proj-e2e-" + "B" * 20
KEY_GEMINI = "AIzaSy-e2e-" + "C" * 20
PROMPT = "Please run the project's tests."
SCHEMA = {"type": "object", "properties": {"command": {"type": "string", "description": "The command to run"}}, "required": ["command"]}
RULE = "EXF001"

RESULTS = []
SECRETS = []  # every secret put in a tool result, to look for afterwards


def report(status, name, detail=""):
    RESULTS.append((status, name))
    print(f"{status} {name}" + (f": {detail}" if detail else ""), flush=True)


def check(name, fn, *args):
    try:
        detail = fn(*args)
        report("PASS", name, detail or "")
    except Skip as s:
        report("SKIP", name, str(s))
    except AssertionError as e:
        report("FAIL", name, str(e) or "assertion failed")
    except Exception as e:  # noqa: BLE001 - an SDK error is a failed check, with its text
        report("FAIL", name, f"{type(e).__name__}: {e}".replace("\n", " ")[:1500])


class Skip(Exception):
    pass


# ---------------------------------------------------------------- clients

def headers(check_name, variant=None):
    h = {"x-e2e-check": check_name}
    if variant:
        h["x-e2e-variant"] = variant
    return h


def anthropic_client(base):
    return anthropic.Anthropic(base_url=base, api_key=KEY_ANTHROPIC, max_retries=0, timeout=30)


def openai_client(base, v1=True):
    return openai.OpenAI(base_url=base + ("/v1" if v1 else ""), api_key=KEY_OPENAI, max_retries=0, timeout=30)


def anthropic_tools(name="bash"):
    return [{"name": name, "description": "Run a shell command", "input_schema": SCHEMA}]


def chat_tools(name="bash"):
    return [{"type": "function", "function": {"name": name, "description": "Run a shell command", "parameters": SCHEMA}}]


def responses_tools(name="bash"):
    if name == "local_shell":
        return [{"type": "local_shell"}]
    return [{"type": "function", "name": name, "description": "Run a shell command", "parameters": SCHEMA, "strict": False}]


class Outcome:
    """What a client ended up with: calls [(name, args)], text, stop, the event kinds it saw."""

    def __init__(self, calls, text, stop, events=(), extra=None):
        self.calls, self.text, self.stop, self.events, self.extra = calls, text or "", stop, list(events), extra or {}

    def __repr__(self):
        return f"calls={self.calls} stop={self.stop!r} text={self.text[:300]!r}"


def run_anthropic(base, stream, variant, check_name, tool="bash", messages=None):
    c = anthropic_client(base)
    # This SDK sends its key as `Authorization: Bearer`; Claude Code and others send `x-api-key`: both go.
    kw = dict(model=ANTHROPIC_MODEL, max_tokens=1024, messages=messages or [{"role": "user", "content": PROMPT}],
              tools=anthropic_tools(tool), extra_headers=dict(headers(check_name, variant), **{"x-api-key": KEY_ANTHROPIC}))
    events = []
    if stream:
        with c.messages.stream(**kw) as s:
            for ev in s:
                events.append(ev.type + (":" + ev.delta.type if ev.type == "content_block_delta" else ""))
            msg = s.get_final_message()
    else:
        msg = c.messages.create(**kw)
    calls = [(b.name, b.input) for b in msg.content if b.type == "tool_use"]
    text = "".join(b.text for b in msg.content if b.type == "text")
    return Outcome(calls, text, msg.stop_reason, events)


def run_chat(base, stream, variant, check_name, tool="bash", messages=None, v1=True):
    c = openai_client(base, v1)
    kw = dict(model=CHAT_MODEL, messages=messages or [{"role": "user", "content": PROMPT}], tools=chat_tools(tool),
              extra_headers=headers(check_name, variant))
    events = []
    if stream:
        with c.chat.completions.stream(stream_options={"include_usage": True}, **kw) as s:
            for ev in s:
                events.append(ev.type)
            final = s.get_final_completion()
    else:
        final = c.chat.completions.create(**kw)
    ch = final.choices[0]
    calls = [(t.function.name, json.loads(t.function.arguments)) for t in ch.message.tool_calls or []]
    return Outcome(calls, ch.message.content, ch.finish_reason, events, {"usage": final.usage, "choices": len(final.choices)})


def run_responses(base, stream, variant, check_name, tool="bash", input_=None):
    c = openai_client(base)
    kw = dict(model=RESPONSES_MODEL, input=input_ or PROMPT, tools=responses_tools(tool), extra_headers=headers(check_name, variant))
    events = []
    if stream:
        with c.responses.stream(**kw) as s:
            for ev in s:
                events.append(ev.type)
            final = s.get_final_response()
    else:
        final = c.responses.create(**kw)
    calls = []
    for item in final.output:
        if item.type == "function_call":
            calls.append((item.name, json.loads(item.arguments)))
        elif item.type.endswith("_call") and item.type not in ("web_search_call", "file_search_call"):
            calls.append((item.type, item.to_dict()))
    return Outcome(calls, final.output_text, final.status, events, {"types": [i.type for i in final.output]})


def http(method, url, body=None, hdrs=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict({"content-type": "application/json"}, **(hdrs or {})))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def run_gemini(base, mode, variant, check_name, tool="run_shell_command", contents=None, model=GEMINI_MODEL):
    action = "generateContent" if mode == "nonstream" else "streamGenerateContent"
    url = f"{base}/v1beta/models/{model}:{action}" + ("?alt=sse" if mode == "stream" else "")
    body = {"contents": contents or [{"role": "user", "parts": [{"text": PROMPT}]}],
            "tools": [{"functionDeclarations": [{"name": tool, "description": "Run a shell command", "parameters": SCHEMA}]}]}
    status, hdrs, raw = http("POST", url, body, dict(headers(check_name, variant), **{"x-goog-api-key": KEY_GEMINI}))
    if status != 200:
        raise AssertionError(f"HTTP {status}: {raw[:500]!r}")
    if mode == "stream":
        chunks = []
        for block in raw.decode().replace("\r\n", "\n").split("\n\n"):
            data = "".join(line[5:].strip() for line in block.split("\n") if line.startswith("data:"))
            if data:
                chunks.append(json.loads(data))
    elif mode == "array":
        chunks = json.loads(raw)
        assert isinstance(chunks, list), f"streamGenerateContent without alt=sse is a JSON array, got {raw[:200]!r}"
    else:
        chunks = [json.loads(raw)]
    calls, text, stop = [], "", None
    for ch in chunks:
        for cand in ch.get("candidates") or []:
            for p in (cand.get("content") or {}).get("parts") or []:
                if "functionCall" in p:
                    calls.append((p["functionCall"].get("name"), p["functionCall"].get("args")))
                elif "text" in p and not p.get("thought"):
                    text += p["text"]
            stop = cand.get("finishReason") or stop
    return Outcome(calls, text, stop, [f"chunk:{len(chunks)}"])


# ---------------------------------------------------------------- expectations

NORMAL_STOP = {"anthropic": "end_turn", "chat": "stop", "responses": "completed", "gemini": "STOP"}
CALL_STOP = {"anthropic": "tool_use", "chat": "tool_calls", "responses": "completed", "gemini": "STOP"}
CALL_EVENTS = {"anthropic": "input_json_delta", "chat": "tool_calls", "responses": "function_call"}


def run(api, base, mode, variant, check_name, tool=None):
    stream = mode == "stream"
    if api == "anthropic":
        return run_anthropic(base, stream, variant, check_name, tool or "bash")
    if api == "chat":
        return run_chat(base, stream, variant, check_name, tool or "bash")
    if api == "responses":
        return run_responses(base, stream, variant, check_name, tool or "bash")
    return run_gemini(base, mode, variant, check_name, tool or "run_shell_command")


def expect_blocked(api, o, up_, check_name, tool=None):
    assert not o.calls, f"the client received a tool call: {o}"
    assert RULE in o.text and "airlock" in o.text, f"no notice naming {RULE} in the text: {o}"
    assert o.stop == NORMAL_STOP[api], f"stop is {o.stop!r}, expected {NORMAL_STOP[api]!r}: {o}"
    leaked = [e for e in o.events if CALL_EVENTS.get(api, "\0") in e]
    assert not leaked, f"tool-call events reached the client: {leaked[:5]}"
    if api == "responses":
        assert "function_call" not in o.extra.get("types", []), f"output items: {o.extra.get('types')}"
    got = [r for r in up_.requests() if r["headers"].get("x-e2e-check") == check_name]
    assert len(got) == 1, f"upstream saw {len(got)} requests for this check, expected 1"
    assert got[0]["reply"].split(" ")[0] in ("tool_use", "tool_calls", "function_call", "local_shell_call", "functionCall"), \
        f"upstream answered {got[0]['reply']!r}, not a call"
    return f"notice: {o.text[:160]!r}; stop {o.stop}"


def expect_call(api, o, variant_cmd, tool, up_=None, check_name=None):
    assert len(o.calls) == 1, f"expected exactly one tool call, got {o}"
    name, args = o.calls[0]
    want = up.shell_args(tool, variant_cmd)
    if tool == "local_shell":
        assert name == "local_shell_call" and args.get("action", {}).get("command") == ["bash", "-lc", variant_cmd], f"{o}"
    else:
        assert name == tool, f"tool name {name!r}, expected {tool!r}"
        assert args == want, f"arguments {args!r}, expected {want!r}"
    assert o.stop == CALL_STOP[api], f"stop is {o.stop!r}, expected {CALL_STOP[api]!r}"
    if api == "chat" and "stream" in (check_name or "") and o.extra.get("usage") is None:
        raise AssertionError("the usage chunk (include_usage) did not reach the client")
    return f"{name} {json.dumps(args)[:120]}; stop {o.stop}"


# ---------------------------------------------------------------- the checks

MODES = {"anthropic": ("stream", "nonstream"), "chat": ("stream", "nonstream"), "responses": ("stream", "nonstream"),
         "gemini": ("stream", "nonstream", "array")}
DEFAULT_TOOL = {"anthropic": "bash", "chat": "bash", "responses": "bash", "gemini": "run_shell_command"}


def seed_blocked(api, mode, gw, up_, tool=None):
    name = f"gateway/{api}-{mode}/seed-blocked" + (f"/{tool}" if tool else "")
    o = run(api, gw.url, mode, "seed", name, tool)
    return expect_blocked(api, o, up_, name, tool)


def twin_intact(api, mode, gw, up_):
    name = f"gateway/{api}-{mode}/twin-intact"
    o = run(api, gw.url, mode, "twin", name)
    return expect_call(api, o, up.TWIN, DEFAULT_TOOL[api], up_, name)


def pair_split(api, mode, gw, up_):
    name = f"gateway/{api}-{mode}/pair-seed-dropped-twin-kept"
    o = run(api, gw.url, mode, "pair", name)
    assert RULE in o.text, f"no notice naming {RULE} beside the kept call: {o}"
    detail = expect_call(api, o, up.TWIN, DEFAULT_TOOL[api], up_, name)
    got = [r for r in up_.requests() if r["headers"].get("x-e2e-check") == name]
    assert len(got) == 1 and got[0]["reply"].endswith("x2"), f"upstream did not answer with two calls: {[g['reply'] for g in got]}"
    return "kept " + detail


def control_pair_arrives(api, mode, up_):
    name = f"control/{api}-{mode}/pair-both-arrive-without-gateway"
    o = run(api, up_.url, mode, "pair", name)
    want = [up.shell_args(DEFAULT_TOOL[api], c) for c in (up.TWIN, up.SEED)]
    assert [a for _, a in o.calls] == want, f"expected the twin and the seed, got {o}"
    return f"{len(o.calls)} calls; stop {o.stop}"


def control_seed_arrives(api, mode, up_):
    name = f"control/{api}-{mode}/seed-arrives-without-gateway"
    o = run(api, up_.url, mode, "seed", name)
    return expect_call(api, o, up.SEED, DEFAULT_TOOL[api], up_, name)


def untrusted(api, mode, gw, up_):
    name = f"gateway/{api}-{mode}/untrusted-model-refused"
    h = headers(name, "seed")
    if api == "anthropic":
        c = anthropic_client(gw.url)
        kw = dict(model=UNTRUSTED, max_tokens=64, messages=[{"role": "user", "content": PROMPT}], tools=anthropic_tools(), extra_headers=h)
        try:
            if mode == "stream":
                with c.messages.stream(**kw) as s:
                    s.get_final_message()
            else:
                c.messages.create(**kw)
            raise AssertionError("the request succeeded")
        except anthropic.PermissionDeniedError as e:
            err = e
        detail = f"{type(err).__name__} {err.status_code}: {str(err.message)[:150]}"
    elif api in ("chat", "responses"):
        c = openai_client(gw.url)
        try:
            if api == "chat":
                kw = dict(model=UNTRUSTED, messages=[{"role": "user", "content": PROMPT}], tools=chat_tools(), extra_headers=h)
                if mode == "stream":
                    with c.chat.completions.stream(**kw) as s:
                        s.get_final_completion()
                else:
                    c.chat.completions.create(**kw)
            else:
                kw = dict(model=UNTRUSTED, input=PROMPT, tools=responses_tools(), extra_headers=h)
                if mode == "stream":
                    with c.responses.stream(**kw) as s:
                        s.get_final_response()
                else:
                    c.responses.create(**kw)
            raise AssertionError("the request succeeded")
        except openai.PermissionDeniedError as e:
            err = e
        detail = f"{type(err).__name__} {err.status_code}: {str(err.message)[:150]}"
    else:
        action = "streamGenerateContent?alt=sse" if mode == "stream" else "generateContent"
        status, _, raw = http("POST", f"{gw.url}/v1beta/models/{UNTRUSTED}:{action}",
                              {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]}, dict(h, **{"x-goog-api-key": KEY_GEMINI}))
        assert status == 403, f"HTTP {status}: {raw[:300]!r}"
        body = json.loads(raw)
        assert body.get("error", {}).get("status") == "PERMISSION_DENIED", f"not a Gemini error shape: {body}"
        detail = f"403 {body['error']['status']}: {body['error'].get('message', '')[:150]}"
    reached = [r for r in up_.requests() if r["headers"].get("x-e2e-check") == name or UNTRUSTED in json.dumps(r.get("body")) or UNTRUSTED in r["path"]]
    assert not reached, f"the request reached the upstream: {reached[0]['path']}"
    return detail


def websocket_refused(gw, up_):
    name = "gateway/responses/websocket-upgrade-refused"
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1:{gw.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {KEY_OPENAI}\r\n"
           f"OpenAI-Beta: responses_websockets=2026-02-06\r\nx-e2e-check: {name}\r\n\r\n")
    s = socket.create_connection(("127.0.0.1", gw.port), timeout=10)
    s.sendall(req.encode())
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            c = s.recv(4096)
            if not c:
                break
            data += c
    finally:
        s.close()
    status_line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = status_line.split()
    assert len(parts) >= 2, f"no HTTP answer: {data[:200]!r}"
    code = int(parts[1])
    assert code != 101, f"the upgrade was accepted: {status_line}"
    assert 400 <= code < 500, f"expected a 4xx refusal, got {status_line}"
    reached = [r for r in up_.requests() if r["headers"].get("x-e2e-check") == name]
    assert not reached, "the upgrade request reached the upstream"
    return status_line


def expected_auth(api):
    """The authentication headers each client sends, by the SHA-256 the upstream logs."""
    if api == "anthropic":
        return {"authorization": up.sha(f"Bearer {KEY_ANTHROPIC}"), "x-api-key": up.sha(KEY_ANTHROPIC)}
    if api == "gemini":
        return {"x-goog-api-key": up.sha(KEY_GEMINI)}
    return {"authorization": up.sha(f"Bearer {KEY_OPENAI}")}


def auth_passthrough(gw, up_):
    out = []
    for api in ("anthropic", "chat", "responses", "gemini"):
        for mode in ("nonstream", "stream"):
            name = f"gateway/{api}-{mode}/auth-header-unchanged"
            run(api, gw.url, mode, "twin", name)
            got = [r for r in up_.requests() if r["headers"].get("x-e2e-check") == name]
            assert len(got) == 1, f"{api}-{mode}: upstream saw {len(got)} requests"
            assert got[0]["auth"] == expected_auth(api), \
                f"{api}-{mode}: authentication headers changed on the way: upstream got {sorted(got[0]['auth'])}, " \
                f"equal to what was sent: {[k for k, v in expected_auth(api).items() if got[0]['auth'].get(k) == v]}"
        out.append(f"{api} {'+'.join(sorted(expected_auth(api)))}")
    return "unchanged (stream and not): " + ", ".join(out)


def make_secrets():
    rnd = random.Random(os.getpid() ^ int(time.time()))
    alnum = string.ascii_letters + string.digits
    aws_id = "AKIA" + "".join(rnd.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    aws_secret = "".join(rnd.choice(alnum + "/+") for _ in range(40))
    body = base64.b64encode(b"openssh-key-v1\0" + bytes(rnd.getrandbits(8) for _ in range(380))).decode()
    key_lines = [body[i:i + 70] for i in range(0, len(body), 70)]
    pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(key_lines) + "\n-----END OPENSSH PRIVATE KEY-----\n"
    output = (f"all 3 tests passed\n$ cat .env\nAWS_ACCESS_KEY_ID={aws_id}\nAWS_SECRET_ACCESS_KEY={aws_secret}\n"
              f"$ cat ~/.ssh/id_ed25519\n{pem}")
    return output, [aws_secret, key_lines[1], key_lines[-2]]


def redacted(api, gw, up_):
    name = f"gateway/{api}/secrets-in-tool-result-redacted"
    output, secrets = make_secrets()
    SECRETS.extend(secrets)
    cmd = {"command": up.TWIN}
    if api == "anthropic":
        msgs = [{"role": "user", "content": PROMPT},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_e2e1", "name": "bash", "input": cmd}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_e2e1", "content": output}]}]
        o = run_anthropic(gw.url, False, "twin", name, messages=msgs)
    elif api == "chat":
        msgs = [{"role": "user", "content": PROMPT},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "call_e2e1", "type": "function", "function": {"name": "bash", "arguments": json.dumps(cmd)}}]},
                {"role": "tool", "tool_call_id": "call_e2e1", "content": output}]
        o = run_chat(gw.url, True, "twin", name, messages=msgs)
    elif api == "responses":
        inp = [{"role": "user", "content": PROMPT},
               {"type": "function_call", "call_id": "call_e2e1", "name": "bash", "arguments": json.dumps(cmd)},
               {"type": "function_call_output", "call_id": "call_e2e1", "output": output}]
        o = run_responses(gw.url, True, "twin", name, input_=inp)
    else:
        contents = [{"role": "user", "parts": [{"text": PROMPT}]},
                    {"role": "model", "parts": [{"functionCall": {"name": "run_shell_command", "args": cmd}}]},
                    {"role": "user", "parts": [{"functionResponse": {"name": "run_shell_command", "response": {"output": output}}}]}]
        o = run_gemini(gw.url, "nonstream", "twin", name, contents=contents)
    assert not o.calls and "tests ran" in o.text, f"the second turn did not come back as text: {o}"
    got = [r for r in up_.requests() if r["headers"].get("x-e2e-check") == name]
    assert len(got) == 1, f"upstream saw {len(got)} requests"
    body = json.dumps(got[0]["body"])
    leaked = [s[:8] + "..." for s in secrets if s in body or json.dumps(s)[1:-1] in body]
    assert not leaked, f"secrets reached the upstream unredacted: {leaked}"
    assert "[REDACTED:" in body, "no [REDACTED: marker in the body the upstream received"
    assert "all 3 tests passed" in body, "the rest of the tool result was lost"
    assert got[0]["auth"] == expected_auth(api), f"authentication headers changed (they must not be redacted): {sorted(got[0]['auth'])}"
    marks = sorted({m.split("]")[0] for m in body.split("[REDACTED:")[1:]})
    return f"upstream saw [REDACTED:{', '.join(m.strip() for m in marks)}]; {'+'.join(sorted(expected_auth(api)))} unchanged"


def path_without_v1(gw, up_):
    name = "gateway/chat-nonstream/base-url-without-v1"
    o = run_chat(gw.url, False, "twin", name, v1=False)
    expect_call("chat", o, up.TWIN, "bash")
    got = [r for r in up_.requests() if r["headers"].get("x-e2e-check") == name]
    assert got and got[0]["path"] == "/v1/chat/completions", f"upstream path {[g['path'] for g in got]}"
    return "POST /chat/completions reached upstream as /v1/chat/completions"


def audit_log(airlock, gw):
    """After the gateway stopped (cleanly, on SIGTERM): its audit database is intact, holds one blocked row per blocked call
    and one refused row per refusal, counts the redactions, and holds none of the secrets."""
    assert gw.proc.returncode == 0, f"the gateway exited {gw.proc.returncode} on SIGTERM: {gw.stderr()[-500:]}"
    passed = lambda *keys: sum(1 for st, n in RESULTS if st == "PASS" and n.startswith("gateway/") and any(k in n for k in keys))  # noqa: E731
    v = subprocess.run([airlock, "audit", "verify", "--db", gw.audit_db], capture_output=True, text=True, timeout=60)
    assert v.returncode == 0, f"audit verify exited {v.returncode}: {v.stdout} {v.stderr}"
    t = subprocess.run([airlock, "audit", "tail", "--json", "-n", "100000", "--db", gw.audit_db], capture_output=True, text=True, timeout=60)
    assert t.returncode == 0, f"audit tail exited {t.returncode}: {t.stderr}"
    rows = [json.loads(line)["record"] for line in t.stdout.splitlines() if line.strip()]
    blocked = [r for r in rows if r.get("kind") == "tool_call" and r.get("decision") == "blocked"]
    want_blocked = passed("seed-blocked", "pair-seed-dropped")
    assert len(blocked) == want_blocked, f"{len(blocked)} blocked tool_call rows, expected {want_blocked}"
    assert all(RULE in (r.get("rules") or []) for r in blocked), f"a blocked row without {RULE}: {[r.get('rules') for r in blocked]}"
    refused = [r for r in rows if r.get("decision") == "refused"]
    want_refused = passed("untrusted-model-refused", "websocket-upgrade-refused")
    assert len(refused) == want_refused, f"{len(refused)} refused rows, expected {want_refused}"
    redacting = [r for r in rows if r.get("kind") == "request" and (r.get("redactions") or 0) > 0]
    want_redacting = passed("secrets-in-tool-result-redacted")
    assert len(redacting) == want_redacting, f"{len(redacting)} requests with redactions, expected {want_redacting}"
    raw = b""
    for suffix in ("", "-wal"):
        if os.path.exists(gw.audit_db + suffix):
            with open(gw.audit_db + suffix, "rb") as f:
                raw += f.read()
    leaked = [x[:8] + "..." for x in SECRETS if x.encode() in raw]
    assert not leaked, f"secrets in the audit database: {leaked}"
    return f"verify: {v.stdout.strip().splitlines()[0] if v.stdout.strip() else 'ok'}; {len(blocked)} blocked ({RULE}), {len(refused)} refused, " \
           f"{len(redacting)} requests redacted; no secret stored"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--airlock", default=os.path.join(up.ROOT, "target", "release", "airlock"))
    ap.add_argument("--workdir", default=os.path.join(up.ROOT, ".e2e-cache", "gateway", "sdk"))
    ap.add_argument("--direct", action="store_true", help="only the controls (no gateway)")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    if anthropic is None:
        report("SKIP", "sdk", f"the SDKs are not importable ({IMPORT_ERROR}); run e2e/gateway/run.sh")
        return 0
    print(f"# sdk: anthropic {anthropic.__version__}, openai {openai.__version__}", flush=True)
    u = up.Upstream(a.workdir, "sdk-upstream")
    gw = None
    try:
        want = lambda n: not a.only or a.only in n  # noqa: E731
        for api, modes in MODES.items():
            for mode in modes:
                for n, fn in ((f"control/{api}-{mode}/seed-arrives-without-gateway", control_seed_arrives),
                              (f"control/{api}-{mode}/pair-both-arrive-without-gateway", control_pair_arrives)):
                    if want(n):
                        check(n, fn, api, mode, u)
        if a.direct:
            return 0
        try:
            gw = up.Gateway(os.path.abspath(a.airlock), a.workdir, u.url, "sdk-gateway")
        except Exception as e:  # noqa: BLE001
            report("FAIL", "gateway/start", str(e).replace("\n", " ")[:2000])
            return 1
        for api, modes in MODES.items():
            for mode in modes:
                for n, fn in ((f"gateway/{api}-{mode}/seed-blocked", seed_blocked), (f"gateway/{api}-{mode}/twin-intact", twin_intact),
                              (f"gateway/{api}-{mode}/pair-seed-dropped-twin-kept", pair_split)):
                    if want(n):
                        check(n, fn, api, mode, gw, u)
        # The shell tools each agent offers, by name and argument shape: a name the gateway does not
        # map to a shell would let the seed through.
        for api, tools in (("chat", ("Bash", "exec_command", "shell", "shell_command", "run_shell_command")),
                           ("responses", ("exec_command", "shell_command", "shell", "local_shell")),
                           ("anthropic", ("Bash",))):
            for tool in tools:
                n = f"gateway/{api}-nonstream/seed-blocked/{tool}"
                if want(n):
                    check(n, seed_blocked, api, "nonstream", gw, u, tool)
        for api in ("anthropic", "chat", "responses", "gemini"):
            for mode in ("nonstream", "stream"):
                n = f"gateway/{api}-{mode}/untrusted-model-refused"
                if want(n):
                    check(n, untrusted, api, mode, gw, u)
        if want("gateway/responses/websocket-upgrade-refused"):
            check("gateway/responses/websocket-upgrade-refused", websocket_refused, gw, u)
        if want("gateway/auth-headers-unchanged"):
            # (each request of this check is named gateway/API-MODE/auth-header-unchanged for the upstream log)
            check("gateway/auth-headers-unchanged", auth_passthrough, gw, u)
        for api in ("anthropic", "chat", "responses", "gemini"):
            n = f"gateway/{api}/secrets-in-tool-result-redacted"
            if want(n):
                check(n, redacted, api, gw, u)
        if want("gateway/chat-nonstream/base-url-without-v1"):
            check("gateway/chat-nonstream/base-url-without-v1", path_without_v1, gw, u)
    finally:
        if gw:
            gw.stop()  # its stderr stays in WORKDIR/sdk-gateway.err
            if not a.only and gw.proc.returncode is not None:
                check("gateway/audit-log", audit_log, os.path.abspath(a.airlock), gw)
        u.stop()
    return 1 if any(s == "FAIL" for s, _ in RESULTS) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        report("FAIL", "sdk_test.py", "crashed (traceback above)")
        sys.exit(1)
