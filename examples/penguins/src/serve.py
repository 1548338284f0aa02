"""A tiny model server for the staging check (standard library only).

GET  /health   200 once models/model.json is loaded
POST /predict  body: one penguin as JSON, e.g.
               {"island": "Biscoe", "bill_length_mm": 46.1, "bill_depth_mm": 13.2,
                "flipper_length_mm": 211, "body_mass_g": 4500, "sex": "FEMALE"}
               answer: {"species": "Gentoo", "probabilities": {"Adelie": 0.01, ...}}

Listens on 127.0.0.1 at the port in MLOPS_SERVE_PORT (mlops picks a free one).
"""

import json
import math
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
from prepare import ISLANDS, NUMERIC, SEXES  # noqa: E402

MODEL = "models/model.json"


def load_model():
    with open(MODEL, encoding="utf-8") as f:
        return json.load(f)


def features(penguin):
    """The model's feature vector, encoded as prepare.py encodes training rows."""
    row = {c: float(penguin[c]) for c in NUMERIC}
    for i in ISLANDS:
        row[f"island_{i}"] = 1.0 if penguin.get("island") == i else 0.0
    for s in SEXES:
        row[f"sex_{s}"] = 1.0 if penguin.get("sex") == s else 0.0
    return row


def predict(model, penguin):
    row = features(penguin)
    xs = [(row[c] - m) / s for c, m, s in zip(model["features"], model["feature_mean"], model["feature_std"])]
    z = [sum(w * v for w, v in zip(wk, xs)) + bk for wk, bk in zip(model["weights"], model["biases"])]
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    probabilities = {c: v / total for c, v in zip(model["classes"], e)}
    return {"species": max(probabilities, key=probabilities.get), "probabilities": probabilities}


class Handler(BaseHTTPRequestHandler):
    model = None

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/health":
            self.reply(200, {"ok": True})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):  # noqa: N802
        if self.path != "/predict":
            return self.reply(404, {"error": "not found"})
        try:
            penguin = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.reply(200, predict(self.model, penguin))
        except (ValueError, KeyError, TypeError) as e:
            self.reply(400, {"error": f"bad request: {e}"})

    def log_message(self, *args):  # one line per request would drown the run's output
        pass


def main():
    Handler.model = load_model()
    port = int(os.environ.get("MLOPS_SERVE_PORT", "8080"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"serve: {MODEL} on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
