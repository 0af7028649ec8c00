#!/usr/bin/python3
"""Check an exported demo model directory against itself:
reads hf/model.safetensors (own parser), hf/config.json and hf/tokenizer.json (own BPE from its
merges), re-tokenizes each reference prompt, recomputes the logits and compares them with
reference/<name>.logits.f32.

    /usr/bin/python3 tools/demo-model/verify.py models/demo
"""
import json, os, struct, sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Tokenizer  # noqa: E402
from model import Llama  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in h.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32"
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").copy()).reshape(v["shape"])
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "models/demo"
    cfg = json.load(open(os.path.join(d, "hf", "config.json")))
    keys = ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "max_position_embeddings", "rms_norm_eps", "rope_theta"]
    m = Llama({k: cfg[k] for k in keys})
    m.load_state_dict(read_safetensors(os.path.join(d, "hf", "model.safetensors")))
    m.eval()
    tj = json.load(open(os.path.join(d, "hf", "tokenizer.json"), encoding="utf-8"))
    tok = Tokenizer([tuple(x.split(" ")) for x in tj["model"]["merges"]])
    assert tok.vocab == tj["model"]["vocab"], "vocab mismatch"
    idx = json.load(open(os.path.join(d, "reference", "prompts.json")))
    ok = True
    for name, r in idx.items():
        ids = tok.encode(r["prompt"])
        file_ids = list(map(int, open(os.path.join(d, "reference", f"{name}.ids.txt")).read().split()[1:]))
        ref = np.fromfile(os.path.join(d, "reference", f"{name}.logits.f32"), dtype="<f4").reshape(len(file_ids), -1)
        with torch.no_grad():
            lg = m(torch.tensor([ids]))[0].numpy()
        diff = float(np.abs(lg - ref).max()) if lg.shape == ref.shape else float("inf")
        good = ids == file_ids and diff < 1e-4 and tok.decode(ids) == r["prompt"]
        ok &= good
        print(f"{name}: tokens {'match' if ids == file_ids else 'DIFFER'} ({len(ids)}), max |dlogit| {diff:.2e}, "
              f"round-trip {'ok' if tok.decode(ids) == r['prompt'] else 'BAD'}")
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
