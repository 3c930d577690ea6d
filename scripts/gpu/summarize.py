# Collects the GPU check's outputs (scripts/gpu-check.sh) into results.json and summary.md, marking issue #8's
# thresholds: every op passes the harness; every model's CUDA logits within rel. L2 1e-4 of the CPU's;
# depthwise 31x31 on C128 56x56 N64 forward >= 60% of fp32 peak and >= 5x PyTorch, backward-data >= 40% and
# >= 5x. Usage: summarize.py RESULTS_DIR
import json
import os
import re
import sys

res = sys.argv[1]


def read(name):
    p = os.path.join(res, name)
    return open(p).read() if os.path.exists(p) else None


def jsonl(name):
    text = read(name)
    return [json.loads(line) for line in text.splitlines() if line.strip()] if text else []


out = {"checks": []}
lines = ["# GPU check of the CUDA backend", ""]


def check(what, ok, detail):
    out["checks"].append({"check": what, "pass": ok, "detail": detail})
    lines.append(f"| {what} | {'pass' if ok else 'FAIL' if ok is False else 'not run'} | {detail} |")


dw = json.loads(read("dwconv.json")) if read("dwconv.json") else None
device = dw["device"] if dw else "?"
lines += [f"Device: {device}" + (f"; fp32 peak {dw['peak_gflops']:.0f} GFLOP/s = {dw['peak_formula']}" if dw else ""), "",
          "| check | result | detail |", "| --- | --- | --- |"]

ops = read("backend_ops.txt")
if ops:
    m = re.search(r"(\d+) case\(s\), (\d+) failed", ops)
    check("lkr-test-backend-ops", bool(m) and m.group(2) == "0", m.group(0) if m else "no summary line")
else:
    check("lkr-test-backend-ops", None, "")
ctest = read("ctest.log")
if ctest:
    m = re.search(r"(\d+)% tests passed, (\d+) tests failed out of (\d+)", ctest)
    check("ctest", bool(m) and m.group(2) == "0", m.group(0) if m else "no summary line")

for p in jsonl("parity.jsonl"):
    check(f"{p['model']} logits CUDA vs CPU", p["check"],
          f"rel. L2 {p['logits_cuda_vs_cpu']} (grad {p['grad_cuda_vs_cpu']}); vs PyTorch: logits {p['logits_cuda_vs_torch']},"
          f" grad {p['grad_cuda_vs_torch']}")
out["parity"] = jsonl("parity.jsonl")

if dw:
    out["dwconv"] = dw
    for r in dw["rows"]:
        if (r["n"], r["c"], r["h"], r["w"], r["k"], r["stride"]) == (64, 128, 56, 56, 31, 1) and r["pass"] != "bwd_weights":
            need = 0.6 if r["pass"] == "fwd" else 0.4
            ok = r["peak_fraction"] >= need and r.get("ratio_torch", 0) >= 5
            check(f"dwconv 31x31 C128 56x56 N64 {r['pass']}", ok,
                  f"{100 * r['peak_fraction']:.1f}% of peak (need {100 * need:.0f}%), {r.get('ratio_torch', 0):.2f}x PyTorch (need 5x)")
    lines += ["", "| n | c | h | k | pass | ms | GFLOP/s | % peak | PyTorch ms | x PyTorch |", "| --- " * 10 + "|"]
    for r in dw["rows"]:
        lines.append(f"| {r['n']} | {r['c']} | {r['h']} | {r['k']} | {r['pass']} | {r['ms']:.3f} | {r['gflops']:.0f} |"
                     f" {100 * r['peak_fraction']:.1f} | {r.get('torch_ms', float('nan')):.3f} | {r.get('ratio_torch', float('nan')):.2f} |")

models = jsonl("models.jsonl")
out["models"] = models
if models:
    lines += ["", "| model | batch | fwd img/s | PyTorch | x | grad img/s | PyTorch | x |", "| --- " * 8 + "|"]
    for m in models:
        lines.append(f"| {m['model']} | {m['batch']} | {m['forward_ips']} | {m['torch_forward_ips']:.1f} |"
                     f" {m['ratio_forward']:.2f} | {m['grad_ips']} | {m['torch_grad_ips']:.1f} | {m['ratio_grad']:.2f} |")

json.dump(out, open(os.path.join(res, "results.json"), "w"), indent=1)
open(os.path.join(res, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if all(c["pass"] is not False for c in out["checks"]) else 1)
