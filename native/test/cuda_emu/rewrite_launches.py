# Copies native/cuda's sources for the emulator (run.sh), rewriting the two constructs C++ cannot take:
#   name<<<grid, block[, smem[, stream]]>>>(args);  ->  cuemu::launch(dim3(grid), dim3(block), smem, [&]() { name(args); });
#   extern __shared__ float smem[];                 ->  float* smem = cuemu::dynamic_smem();
# .cu files become .cpp; headers keep their names. dwconv_bench.cu (CUDA events) is left out.
# Usage: rewrite_launches.py SRC_DIR OUT_DIR
import os
import re
import sys

LAUNCH = re.compile(r"([A-Za-z_][\w:]*(?:<[^<>;]*>)?)<<<(.*?)>>>\((.*?)\);", re.S)


def split_top_level(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        depth += ch in "([{<"
        depth -= ch in ")]}>"
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return parts + [cur.strip()] if cur.strip() else parts


def launch(m):
    name, cfg, args = m.group(1), split_top_level(m.group(2)), m.group(3)
    smem = cfg[2] if len(cfg) > 2 else "0"
    # [&]: the emulated launch runs to completion before returning, so references stay valid.
    return f"cuemu::launch(dim3({cfg[0]}), dim3({cfg[1]}), {smem}, [&]() {{ {name}({args}); }});"


src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for f in sorted(os.listdir(src)):
    if not re.search(r"\.(cu|cuh|h)$", f) or f == "dwconv_bench.cu":
        continue
    text = open(os.path.join(src, f)).read()
    text = text.replace("extern __shared__ float smem[];", "float* smem = cuemu::dynamic_smem();")
    text, n = LAUNCH.subn(launch, text)
    name = f[:-3] + ".cpp" if f.endswith(".cu") else f
    open(os.path.join(out, name), "w").write(text)
    print(f"{f} -> {name}: {n} launch(es)")
