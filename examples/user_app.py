"""A user app: signs a person in with OAuth 2.0 (authorization code + PKCE S256)
and prints their home timeline. Standard library only.

    python examples/user_app.py --site http://127.0.0.1:8000 --client-id <id> \
        [--port 8765] [--scope "openid profile feed:read"] [--no-browser]

Register a *public* user app in the developer console (/developers/apps) with the
redirect URI http://127.0.0.1:<port>/callback. The script listens on that port,
opens the consent page in a browser (or prints its URL), exchanges the code, and
calls /graphql with the access token.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.server
import json
import secrets
import sys
import urllib.parse
import urllib.request
import webbrowser

TIMELINE = """query($first: Int) {
  viewer { username displayName }
  homeTimeline(first: $first) { edges { node { text author { username } createdAt } } }
}"""


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def wait_for_code(port: int, state: str, timeout: float) -> str:
    """Serve one request on the loopback redirect URI and return its code."""
    result: dict[str, str] = {}

    class Callback(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            if urllib.parse.urlsplit(self.path).path != "/callback":
                self.send_error(404)
                return
            result.update(query)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write("授权完成，可以关闭此页。 Done, you can close this page.".encode())

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", port), Callback)
    server.timeout = timeout
    server.handle_request()
    server.server_close()
    if "error" in result:
        sys.exit(f"authorization refused: {result['error']} {result.get('error_description', '')}")
    if result.get("state") != state:
        sys.exit("the state does not match: not our request")
    if "code" not in result:
        sys.exit("no authorization code received")
    return result["code"]


def post_form(url: str, fields: dict) -> dict:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def graphql(site: str, token: str, query: str, **variables) -> dict:
    request = urllib.request.Request(
        f"{site}/graphql", data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scope", default="openid profile feed:read")
    parser.add_argument("--first", type=int, default=10)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args(argv)
    site = args.site.rstrip("/")

    redirect_uri = f"http://127.0.0.1:{args.port}/callback"
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    authorize = f"{site}/o/authorize/?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": args.client_id, "redirect_uri": redirect_uri,
        "scope": args.scope, "state": state, "code_challenge": challenge,
        "code_challenge_method": "S256",
    })
    print(f"AUTHORIZE {authorize}", flush=True)
    if not args.no_browser:
        webbrowser.open(authorize)
    code = wait_for_code(args.port, state, args.timeout)

    tokens = post_form(f"{site}/o/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": args.client_id, "code_verifier": verifier,
    })
    result = graphql(site, tokens["access_token"], TIMELINE, first=args.first)
    print(json.dumps({"scope": tokens.get("scope"), "refresh_token": "refresh_token" in tokens,
                      "id_token": "id_token" in tokens, **result}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
