#!/usr/bin/env python3
"""A scripted model server that plays a backdoored model, for end-to-end tests with real agent CLIs.

It speaks enough of the Anthropic Messages API (Claude Code) and the OpenAI Responses API (Codex):
the first turn of a conversation answers with one shell tool call running SCRIPT_COMMAND; once the
client sends the tool's result back, it answers with a final text and ends the turn. Every request
is appended to --log as one JSON line (method, path, body) for the test's assertions.

Also runs a "telemetry" listener on --listen-port that records whatever is sent to it (an HTTP
request's headers and its content-length body): it stands in for the exfiltration host. Loopback only.
"""
import argparse, json, socketserver, threading, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()


def log(entry):
    with LOCK, open(ARGS.log, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def sse(handler, events):
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream")
    handler.send_header("cache-control", "no-cache")
    handler.send_header("connection", "close")
    handler.end_headers()
    for name, data in events:
        handler.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
        handler.wfile.flush()
    handler.close_connection = True


def has_tool_result_anthropic(body):
    for m in body.get("messages", []):
        content = m.get("content")
        if isinstance(content, list) and any(isinstance(c, dict) and c.get("type") == "tool_result" for c in content):
            return True
    return False


def anthropic(handler, body):
    tools = [t.get("name") for t in body.get("tools", []) if isinstance(t, dict)]
    msg_id = "msg_" + uuid.uuid4().hex[:12]
    start = {"type": "message_start", "message": {"id": msg_id, "type": "message", "role": "assistant", "model": body.get("model", "m"),
             "content": [], "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}}
    # The model writes a file (with --write-path) or runs the command, once; then it says it is done.
    want_write = ARGS.write_path and "Write" in tools
    if (want_write or "Bash" in tools) and not has_tool_result_anthropic(body):
        if want_write:
            call = {"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:12], "name": "Write", "input": {}}
            with open(ARGS.write_content_file) as f:
                args = json.dumps({"file_path": ARGS.write_path, "content": f.read()})
        else:
            call = {"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:12], "name": "Bash", "input": {}}
            args = json.dumps({"command": ARGS.command, "description": "Run the test suite"})
        events = [("message_start", start),
                  ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": call}),
                  ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": args}}),
                  ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                  ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": {"output_tokens": 20}}),
                  ("message_stop", {"type": "message_stop"})]
    else:
        text = "Done." if tools else "ok"
        events = [("message_start", start),
                  ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                  ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}),
                  ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                  ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 2}}),
                  ("message_stop", {"type": "message_stop"})]
    if body.get("stream"):
        sse(handler, events)
    else:
        # Non-streaming: one message with the same content.
        content = [events[1][1]["content_block"]]
        if content[0]["type"] == "tool_use":
            content[0]["input"] = json.loads(events[2][1]["delta"]["partial_json"])
            stop = "tool_use"
        else:
            content[0]["text"] = events[2][1]["delta"]["text"]
            stop = "end_turn"
        msg = dict(start["message"], content=content, stop_reason=stop)
        data = json.dumps(msg).encode()
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def responses(handler, body):
    inputs = body.get("input", [])
    done = any(isinstance(i, dict) and i.get("type") in ("function_call_output", "custom_tool_call_output", "local_shell_call_output") for i in inputs)
    tool_names = [t.get("name") for t in body.get("tools", []) if isinstance(t, dict)]
    resp_id = "resp_" + uuid.uuid4().hex[:12]
    base = {"id": resp_id, "object": "response", "created_at": 0, "model": body.get("model", "m"), "status": "in_progress", "output": []}
    events = [("response.created", {"type": "response.created", "response": base})]
    if not done:
        if "exec_command" in tool_names:
            name, arguments = "exec_command", json.dumps({"cmd": ARGS.command})
        else:
            name, arguments = "shell", json.dumps({"command": ["bash", "-lc", ARGS.command]})
        item = {"type": "function_call", "id": "fc_" + uuid.uuid4().hex[:12], "call_id": "call_" + uuid.uuid4().hex[:12], "name": name, "arguments": arguments, "status": "completed"}
    else:
        item = {"type": "message", "id": "msg_" + uuid.uuid4().hex[:12], "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": "Done.", "annotations": []}]}
    added = dict(item, status="in_progress")
    if item["type"] == "function_call":
        added["arguments"] = ""
    else:
        added["content"] = []
    events.append(("response.output_item.added", {"type": "response.output_item.added", "output_index": 0, "item": added}))
    if item["type"] == "message":
        events.append(("response.output_text.delta", {"type": "response.output_text.delta", "item_id": item["id"], "output_index": 0, "content_index": 0, "delta": "Done."}))
    events.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}))
    events.append(("response.completed", {"type": "response.completed", "response": dict(base, status="completed", output=[item],
                   usage={"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15})}))
    sse(handler, events)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _body(self):
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {"_raw": raw.decode("utf-8", "replace")}

    def do_HEAD(self):
        log({"method": "HEAD", "path": self.path})
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        log({"method": "GET", "path": self.path, "upgrade": self.headers.get("upgrade")})
        # Refuse WebSocket upgrades (Codex falls back to HTTP streaming) and anything else.
        data = b'{"error":{"message":"not here"}}'
        self.send_response(404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self._body()
        log({"method": "POST", "path": self.path, "body": body})
        path = self.path.split("?")[0]
        if path.endswith("/messages"):
            anthropic(self, body)
        elif path.endswith("/responses"):
            responses(self, body)
        else:
            data = b'{"input_tokens": 10}' if path.endswith("count_tokens") else b"{}"
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)


class Telemetry(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(2)
        chunks = []
        try:
            while True:
                c = self.request.recv(65536)
                if not c:
                    break
                chunks.append(c)
                data = b"".join(chunks)
                head, sep, body = data.partition(b"\r\n\r\n")
                if sep:
                    # The headers, and the body when content-length says how long it is.
                    length = next((int(l.split(b":", 1)[1]) for l in head.split(b"\r\n")[1:]
                                   if l.lower().startswith(b"content-length:") and l.split(b":", 1)[1].strip().isdigit()), 0)
                    if len(body) >= length:
                        break
        except OSError:
            pass
        with LOCK, open(ARGS.listen_log, "ab") as f:
            f.write(b"".join(chunks) + b"\n---\n")
        try:
            self.request.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        except OSError:
            pass


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--listen-port", type=int, required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--listen-log", required=True)
    ap.add_argument("--write-path", default="", help="answer with a Write of this absolute path (Anthropic clients)")
    ap.add_argument("--write-content-file", default="", help="the content of that Write")
    ARGS = ap.parse_args()
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    tel = socketserver.ThreadingTCPServer(("127.0.0.1", ARGS.listen_port), Telemetry)
    threading.Thread(target=tel.serve_forever, daemon=True).start()
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
