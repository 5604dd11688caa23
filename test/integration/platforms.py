"""A loopback HTTPS server that enforces the published account APIs of
Instantly (v2) and Smartlead, for the tests of `postern push`.

It is a fixture of the tests, not a stand-in for production code: it
refuses what the platforms document they refuse (a missing or misplaced
key, a default User-Agent at Instantly's edge, missing required fields,
fields outside Instantly's schema, wrong types) with their documented
error bodies, and records every request so a test can assert exactly
what postern sent.  With `smtp_test` on, an account's SMTP settings are
tried for real (smtplib, STARTTLS, AUTH PLAIN) against 127.0.0.1 and the
port in the body, as the platforms test a new account; any host name is
taken to mean 127.0.0.1, since tests never leave loopback.

Sources: developer.instantly.ai (createAccount, CreateAccountRequestBody
with additionalProperties false, the error shape {statusCode, error,
message}); api.smartlead.ai/api-reference/email-accounts/add-smtp (the
fields, the 200/400/401/422 bodies).
"""
import json
import os
import smtplib
import ssl
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INSTANTLY_REQUIRED = ["email", "first_name", "last_name", "provider_code",
                      "imap_username", "imap_password", "imap_host",
                      "imap_port", "smtp_username", "smtp_password",
                      "smtp_host", "smtp_port"]
INSTANTLY_OPTIONAL = ["daily_limit", "sending_gap", "enable_slow_ramp",
                      "warmup", "warmup_custom_ftag", "tracking_domain_name",
                      "tracking_domain_status", "skip_cname_check",
                      "inbox_placement_test_limit", "signature", "reply_to"]
INSTANTLY_NUMBERS = ["provider_code", "imap_port", "smtp_port"]
INSTANTLY_WARMUP = ["limit", "increment", "reply_rate", "warmup_custom_ftag",
                    "advanced"]
SMARTLEAD_REQUIRED = ["from_name", "from_email", "user_name", "password",
                      "smtp_host", "smtp_port", "imap_host", "imap_port",
                      "warmup_enabled"]
SMARTLEAD_OPTIONAL = ["id", "type", "token", "imap_user_name",
                      "imap_password", "max_email_per_day",
                      "time_to_wait_in_mins", "total_warmup_per_day",
                      "daily_rampup", "reply_rate_percentage",
                      "custom_tracking_url", "bcc", "signature",
                      "different_reply_to_address", "client_id",
                      "is_suspended"]
DEFAULT_AGENTS = ("curl/", "python-urllib", "python-requests", "node-fetch",
                  "axios", "go-http-client", "libcurl")


def make_cert(directory):
    """A self-signed certificate for 127.0.0.1: it is its own CA file."""
    key = os.path.join(directory, "api.key")
    crt = os.path.join(directory, "api.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "2",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True)
    return crt, key


class Request:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.query = method, path, query
        self.headers, self.raw = headers, body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "%s %s %s" % (self.method, self.path, self.query)


class Platforms:
    """Both APIs on one port: paths tell them apart, as their hosts do."""

    def __init__(self, directory, key):
        self.key = key
        self.cafile, keyfile = make_cert(directory)
        self.requests = []
        self.instantly = {}         # email -> account
        self.smartlead = {}         # email -> account (with id)
        self.next_id = 1000
        self.throttle = 0           # answer 429 to this many requests
        self.throttle_status = 429  # or 503
        self.retry_after = "1"
        self.reject = {}            # email -> (status, body) on create
        self.fail_warmup = False
        self.lose = 0               # creates made but answered 502
        self.smtp_test = False
        self.lock = threading.Lock()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cafile, keyfile)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket,
                                            server_side=True)
        self.url = "https://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def calls(self, method=None, path=None):
        return [r for r in self.requests
                if (method is None or r.method == method) and
                (path is None or r.path == path)]

    # --- the SMTP test a platform runs on a new account -----------------

    def try_smtp(self, port, user, password):
        """(True, "") or (False, the server's reply) over a real socket."""
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
                s.starttls(context=ctx)
                s.login(user, password)
            return True, ""
        except smtplib.SMTPResponseException as e:
            return False, "%d %s" % (e.smtp_code,
                                     e.smtp_error.decode("latin-1"))
        except OSError as e:
            return False, str(e)

    # --- Instantly ------------------------------------------------------

    def instantly_error(self, status, error, message):
        return status, {"statusCode": status, "error": error,
                        "message": message}

    def instantly_check(self, body):
        if not isinstance(body, dict):
            return self.instantly_error(400, "Bad Request",
                                        "body must be object")
        for k in body:
            if k not in INSTANTLY_REQUIRED + INSTANTLY_OPTIONAL:
                return self.instantly_error(
                    400, "Bad Request",
                    "body must NOT have additional properties")
        for k in INSTANTLY_REQUIRED:
            if k not in body:
                return self.instantly_error(
                    400, "Bad Request",
                    "body must have required property '%s'" % k)
        for k in INSTANTLY_REQUIRED:
            want = int if k in INSTANTLY_NUMBERS else str
            if type(body[k]) is not want:
                return self.instantly_error(
                    400, "Bad Request", "body/%s must be %s" %
                    (k, "number" if want is int else "string"))
        if body["provider_code"] not in (1, 2, 3, 4, 8, 11):
            return self.instantly_error(
                400, "Bad Request", "body/provider_code must be equal to "
                "one of the allowed values")
        warm = body.get("warmup", {})
        if not isinstance(warm, dict) or any(
                k not in INSTANTLY_WARMUP for k in warm):
            return self.instantly_error(
                400, "Bad Request",
                "body/warmup must NOT have additional properties")
        if "increment" in warm and warm["increment"] not in (
                "disabled", "0", "1", "2", "3", "4"):
            return self.instantly_error(
                400, "Bad Request", "body/warmup/increment must be equal "
                "to one of the allowed values")
        return None

    def serve_instantly(self, h, method, path, body):
        if h.headers.get("Authorization") != "Bearer " + self.key:
            return self.instantly_error(401, "Unauthorized",
                                        "Invalid API key")
        base = "/api/v2/accounts"
        if method == "POST" and path == base:
            return self.instantly_create(body)
        if method == "POST" and path == base + "/warmup/enable":
            emails = (body or {}).get("emails")
            if self.fail_warmup or not isinstance(emails, list) or any(
                    e not in self.instantly for e in emails):
                return self.instantly_error(400, "Bad Request",
                                            "Invalid emails")
            return 200, {"id": "job-%d" % len(self.requests),
                         "status": "pending"}
        email = urllib.parse.unquote(path[len(base) + 1:])
        if path.startswith(base + "/") and email in self.instantly:
            if method == "GET":
                return 200, self.instantly[email]
            if method == "DELETE":
                return 200, self.instantly.pop(email)
        return self.instantly_error(404, "Not Found", "Resource not found")

    def instantly_create(self, body):
        bad = self.instantly_check(body)
        if bad:
            return bad
        if body["email"] in self.reject:
            return self.reject[body["email"]]
        if body["email"] in self.instantly:
            return self.instantly_error(400, "Bad Request",
                                        "Account already exists")
        acct = {k: v for k, v in body.items() if "password" not in k}
        acct.update({"status": 1, "warmup_status": 0})
        if self.smtp_test:
            ok, reply = self.try_smtp(body["smtp_port"],
                                      body["smtp_username"],
                                      body["smtp_password"])
            if not ok:
                # nodemailer's words for a refused AUTH (platforms.md 1c)
                acct.update({"status": -1, "status_message": {
                    "code": "EAUTH", "command": "AUTH PLAIN",
                    "response": reply,
                    "e_message": "Invalid login: " + reply}})
        self.instantly[body["email"]] = acct
        return self.lost_answer() or (200, acct)

    def lost_answer(self):
        if self.lose > 0:
            self.lose -= 1
            return 502, {"message": "Bad Gateway"}
        return None

    # --- Smartlead ------------------------------------------------------

    def serve_smartlead(self, h, method, path, query, body):
        if query.get("api_key") != [self.key] or "Authorization" in \
                h.headers:
            return 401, {"message": "Invalid API Key"}
        if method == "GET" and path == "/api/v1/email-accounts/":
            offset = int(query.get("offset", ["0"])[0])
            limit = int(query.get("limit", ["100"])[0])
            rows = sorted(self.smartlead.values(), key=lambda a: a["id"])
            return 200, rows[offset:offset + limit]
        if method == "POST" and path == "/api/v1/email-accounts/save":
            return self.smartlead_save(body)
        return 404, {"message": "Not Found"}

    def smartlead_save(self, body):
        if not isinstance(body, dict):
            return 422, {"error": "body must be an object"}
        for k in SMARTLEAD_REQUIRED:
            if k not in body or body[k] in ("", None):
                return 422, {"error": "%s is required" % k}
        for k in ("smtp_port", "imap_port"):
            if type(body[k]) is not int:
                return 422, {"error": "%s must be a number" % k}
        if type(body["warmup_enabled"]) is not bool:
            return 422, {"error": "warmup_enabled must be a boolean"}
        if body["from_email"] in self.reject:
            return self.reject[body["from_email"]]
        old = self.smartlead.get(body["from_email"])
        if "id" in body:
            if old is None or old["id"] != body["id"]:
                return 404, {"ok": False, "message": "Email account not "
                             "found"}
        elif old is not None:
            return 400, {"ok": False, "message": "Email account already "
                         "exists"}
        if self.smtp_test:
            ok, _ = self.try_smtp(body["smtp_port"], body["user_name"],
                                  body["password"])
            if not ok:
                return 400, {"ok": False, "message": "SMTP connection "
                             "failed", "error": "Invalid credentials"}
        if old is None:
            self.next_id += 1
            old = {"id": self.next_id}
        old.update({k: v for k, v in body.items() if k != "password"})
        self.smartlead[body["from_email"]] = old
        return self.lost_answer() or (200, {"ok": True, "message": "Email account added "
                     "successfully", "data": {
                         "id": old["id"], "from_email": body["from_email"],
                         "is_smtp_success": True, "is_imap_success": True,
                         "warmup_details": {"status": "ACTIVE"}}})

    # --- HTTP -----------------------------------------------------------

    def _handler(self):
        fixture = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, body, extra=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self):
                u = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(u.query)
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode() if n else ""
                req = Request(self.command, u.path, query,
                              dict(self.headers), raw)
                with fixture.lock:
                    fixture.requests.append(req)
                    if fixture.throttle > 0:
                        fixture.throttle -= 1
                        st = fixture.throttle_status
                        return self.answer(st, {
                            "statusCode": st, "error": "Too Many Requests"
                            if st == 429 else "Service Unavailable",
                            "message": "Rate limit exceeded"},
                            [("Retry-After", fixture.retry_after)])
                    ua = self.headers.get("User-Agent", "")
                    if not ua or ua.lower().startswith(DEFAULT_AGENTS):
                        return self.answer(403, {"message": "Forbidden"})
                    if u.path.startswith("/api/v2/"):
                        status, body = fixture.serve_instantly(
                            self, self.command, u.path, req.json)
                    else:
                        status, body = fixture.serve_smartlead(
                            self, self.command, u.path, query, req.json)
                self.answer(status, body)

            do_GET = do_POST = do_DELETE = do_PATCH = handle_any

        return Handler
