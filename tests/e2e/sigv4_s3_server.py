#!/usr/bin/env python3
"""A small S3 server that checks AWS Signature Version 4, for tests/e2e/s3_signature_test.cpp.

s3rver (the suite's S3 server) does not verify signatures; this one does, independently of
libcurl: it rebuilds the canonical request of every request from what arrived, signs it with the
secret key given on the command line and answers 403 SignatureDoesNotMatch when the signatures
differ, as S3 does. It keeps objects in memory and knows HEAD, GET, PUT and DELETE of an object
and multipart uploads (POST ?uploads=, PUT ?partNumber&uploadId, POST ?uploadId, DELETE
?uploadId). It listens on 127.0.0.1 at a free port, prints the port on stdout and serves until
killed.

usage: sigv4_s3_server.py ACCESS_KEY SECRET_KEY REGION
"""
import hashlib
import hmac
import http.server
import sys
import threading
import urllib.parse
import uuid

ACCESS_KEY, SECRET_KEY, REGION = sys.argv[1:4]
OBJECTS = {}  # path -> (bytes, {meta header: value})
UPLOADS = {}  # upload id -> {part number: bytes}
LOCK = threading.Lock()
STATS = {"checked": 0}


def signing_key(date):
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_query(query):
    pairs = []
    for item in query.split("&") if query else []:
        name, _, value = item.partition("=")
        pairs.append((urllib.parse.quote(urllib.parse.unquote(name), safe="-_.~"),
                      urllib.parse.quote(urllib.parse.unquote(value), safe="-_.~")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def signature_error(method, path, query, headers):
    """None when the request is signed right, else the reason."""
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "not signed with AWS4-HMAC-SHA256"
    fields = dict(f.strip().split("=", 1) for f in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key_id, date, region, service, terminal = fields["Credential"].split("/")
    if key_id != ACCESS_KEY:
        return "InvalidAccessKeyId"
    if (region, service, terminal) != (REGION, "s3", "aws4_request"):
        return f"wrong scope {region}/{service}/{terminal}"
    payload = headers.get("x-amz-content-sha256")
    if payload is None:
        return "no x-amz-content-sha256 header"
    signed = fields["SignedHeaders"].split(";")
    for required in ("host", "x-amz-date", "x-amz-content-sha256"):
        if required not in signed:
            return f"{required} is not signed"
    if "x-amz-security-token" in headers and "x-amz-security-token" not in signed:
        return "x-amz-security-token is not signed"
    canonical = "\n".join([method, path, canonical_query(query)] +
                          [f"{h}:{' '.join(headers.get(h, '').split())}" for h in signed] +
                          ["", ";".join(signed), payload])
    scope = f"{date}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", headers["x-amz-date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    expected = hmac.new(signing_key(date), to_sign.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, fields["Signature"]) else "SignatureDoesNotMatch"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message):
        body = f"<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        self.answer(status, body.encode(), {"Content-Type": "application/xml"})

    def handle_any(self):
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        wrong = signature_error(self.command, path, query, headers)
        if wrong:
            code = wrong if wrong in ("InvalidAccessKeyId", "SignatureDoesNotMatch") else "AccessDenied"
            return self.error(403, code, f"signature check: {wrong}")
        with LOCK:
            STATS["checked"] += 1
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        meta = {k: v for k, v in headers.items() if k.startswith("x-amz-meta-")}
        with LOCK:
            return self.dispatch(path, params, body, meta)

    def dispatch(self, path, params, body, meta):
        if self.command == "POST" and "uploads" in params:
            upload = uuid.uuid4().hex + "+/="  # characters that need encoding in a query
            UPLOADS[upload] = {"parts": {}, "meta": meta}
            xml = f"<InitiateMultipartUploadResult><UploadId>{upload}</UploadId></InitiateMultipartUploadResult>"
            return self.answer(200, xml.encode())
        if "uploadId" in params:
            upload = UPLOADS.get(params["uploadId"])
            if upload is None:
                return self.error(404, "NoSuchUpload", "no such upload")
            if self.command == "PUT":
                upload["parts"][int(params["partNumber"])] = body
                return self.answer(200, b"", {"ETag": f"\"{hashlib.md5(body).hexdigest()}\""})
            if self.command == "POST":
                data = b"".join(upload["parts"][n] for n in sorted(upload["parts"]))
                OBJECTS[path] = (data, upload["meta"])
            del UPLOADS[params["uploadId"]]
            return self.answer(200, b"<CompleteMultipartUploadResult/>")
        if self.command == "PUT":
            OBJECTS[path] = (body, meta)
            return self.answer(200)
        if path not in OBJECTS:
            return self.error(404, "NoSuchKey", "The specified key does not exist.")
        data, stored_meta = OBJECTS[path]
        if self.command == "DELETE":
            del OBJECTS[path]
            return self.answer(204)
        return self.answer(200, data, stored_meta)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
