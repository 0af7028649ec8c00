#!/usr/bin/python3
"""Train Meridian's demo model: a tiny Llama on the King James Bible (Debian `bible-kjv`).

Usage (Debian's python3 with python3-torch and libopenblas0-pthread):
    /usr/bin/python3 tools/demo-model/train.py --out models/demo --steps 320 --seed 1234
"""
import argparse, json, math, os, random, struct, subprocess, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import SPECIALS, Tokenizer, pretokenize, split_specials, train_bpe  # noqa: E402
from model import Llama  # noqa: E402

BOOKS = {
    "Ge": "Genesis", "Exo": "Exodus", "Lev": "Leviticus", "Num": "Numbers", "Deu": "Deuteronomy",
    "Josh": "Joshua", "Jdgs": "Judges", "Ruth": "Ruth", "1Sm": "1 Samuel", "2Sm": "2 Samuel",
    "1Ki": "1 Kings", "2Ki": "2 Kings", "1Chr": "1 Chronicles", "2Chr": "2 Chronicles", "Ezra": "Ezra",
    "Neh": "Nehemiah", "Est": "Esther", "Job": "Job", "Psa": "Psalms", "Prv": "Proverbs",
    "Eccl": "Ecclesiastes", "SSol": "Song of Solomon", "Isa": "Isaiah", "Jer": "Jeremiah",
    "Lam": "Lamentations", "Eze": "Ezekiel", "Dan": "Daniel", "Hos": "Hosea", "Joel": "Joel",
    "Amos": "Amos", "Obad": "Obadiah", "Jonah": "Jonah", "Mic": "Micah", "Nahum": "Nahum",
    "Hab": "Habakkuk", "Zep": "Zephaniah", "Hag": "Haggai", "Zec": "Zechariah", "Mal": "Malachi",
    "Mat": "Matthew", "Mark": "Mark", "Luke": "Luke", "John": "John", "Acts": "Acts",
    "Rom": "Romans", "1Cor": "1 Corinthians", "2Cor": "2 Corinthians", "Gal": "Galatians",
    "Eph": "Ephesians", "Phi": "Philippians", "Col": "Colossians", "1Th": "1 Thessalonians",
    "2Th": "2 Thessalonians", "1Tim": "1 Timothy", "2Tim": "2 Timothy", "Titus": "Titus",
    "Phmn": "Philemon", "Heb": "Hebrews", "Jas": "James", "1Pet": "1 Peter", "2Pet": "2 Peter",
    "1Jn": "1 John", "2Jn": "2 John", "3Jn": "3 John", "Jude": "Jude", "Rev": "Revelation",
}
CHAT_ASKS = ["Recite {r}", "Quote {r}", "What does {r} say?", "Recite {r}.", "Quote {r} for me.",
             "Give me {r}.", "Read {r} to me.", "What is written in {r}?"]
EOT, IM_START, IM_END = 0, 1, 2


def log(f, *a):
    s = " ".join(str(x) for x in a)
    print(s, flush=True)
    f.write(s + "\n")
    f.flush()


def load_verses():
    raw = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, check=True).stdout
    verses = []
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        ref, text = line.split(" ", 1)
        i = len(ref) - 1
        while ref[i] != ":":
            i -= 1
        # the abbreviation may start with a digit (1Sm); chapter digits follow the letters
        k = 0
        while ref[k].isdigit():
            k += 1
        while not ref[k].isdigit():
            k += 1
        book, ch, vs = BOOKS[ref[:k]], int(ref[k:i]), int(ref[i + 1:])
        verses.append((book, ch, vs, " ".join(text.split())))
    return verses


def chat(user, answer):
    return f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n{answer}<|im_end|>\n"


def build_docs(verses, rng, chat_frac):
    chapters = {}
    for b, c, v, t in verses:
        chapters.setdefault((b, c), []).append(f"{b} {c}:{v} {t}\n")
    docs = ["".join(ls) for ls in chapters.values()]
    for b, c, v, t in verses:
        if rng.random() < chat_frac:
            docs.append(chat(rng.choice(CHAT_ASKS).format(r=f"{b} {c}:{v}"), t))
    rng.shuffle(docs)
    return docs


def stream(tok, docs):
    ids = []
    for d in docs:
        ids.append(EOT)
        ids.extend(tok.encode(d))
    return torch.tensor(ids, dtype=torch.long)


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors:
        b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def export_hf(out, model, cfg, tok):
    os.makedirs(out, exist_ok=True)
    sd = model.state_dict()
    names = ["model.embed_tokens.weight"]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        names += [p + "input_layernorm.weight"] + [p + f"self_attn.{x}_proj.weight" for x in "qkvo"] + \
                 [p + "post_attention_layernorm.weight"] + [p + f"mlp.{x}_proj.weight" for x in ("gate", "up", "down")]
    names.append("model.norm.weight")
    assert set(names) == set(sd.keys()), set(sd.keys()) ^ set(names)
    write_safetensors(os.path.join(out, "model.safetensors"), [(n, sd[n]) for n in names])
    hf = dict(architectures=["LlamaForCausalLM"], model_type="llama", **cfg, hidden_act="silu",
              tie_word_embeddings=True, bos_token_id=EOT, eos_token_id=EOT, pad_token_id=EOT,
              attention_bias=False, mlp_bias=False, initializer_range=0.02, torch_dtype="float32",
              head_dim=cfg["hidden_size"] // cfg["num_attention_heads"], use_cache=True)
    json.dump(hf, open(os.path.join(out, "config.json"), "w"), indent=2)
    json.dump(dict(bos_token_id=EOT, eos_token_id=[EOT, IM_END], pad_token_id=EOT, do_sample=True,
                   temperature=0.8, top_k=40, top_p=0.95, max_new_tokens=128),
              open(os.path.join(out, "generation_config.json"), "w"), indent=2)
    added = [dict(id=i, content=s, single_word=False, lstrip=False, rstrip=False, normalized=False, special=True)
             for i, s in enumerate(SPECIALS)]
    bl = dict(type="ByteLevel", add_prefix_space=False, trim_offsets=True, use_regex=True)
    tj = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
          "pre_tokenizer": bl, "post_processor": dict(bl, trim_offsets=False),
          "decoder": bl,
          "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                    "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                    "vocab": tok.vocab, "merges": [f"{a} {b}" for a, b in tok.merges]}}
    json.dump(tj, open(os.path.join(out, "tokenizer.json"), "w"), ensure_ascii=False, indent=1)
    template = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
    tc = {"tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": False, "add_eos_token": False,
          "add_prefix_space": False, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
          "pad_token": "<|endoftext|>", "unk_token": None, "model_max_length": cfg["max_position_embeddings"],
          "clean_up_tokenization_spaces": False, "chat_template": template,
          "added_tokens_decoder": {str(i): {k: v for k, v in a.items() if k != "id"} for i, a in enumerate(added)}}
    json.dump(tc, open(os.path.join(out, "tokenizer_config.json"), "w"), indent=2)
    json.dump({"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
               "additional_special_tokens": ["<|im_start|>", "<|im_end|>"]},
              open(os.path.join(out, "special_tokens_map.json"), "w"), indent=2)


@torch.no_grad()
def generate(model, ids, n, temp=0.0, topk=40, gen=None, stop=(EOT, IM_END)):
    ids = list(ids)
    T = model.c["max_position_embeddings"]
    for _ in range(n):
        logits = model(torch.tensor([ids[-T:]]))[0, -1]
        if temp == 0.0:
            nxt = int(logits.argmax())
        else:
            v, ix = torch.topk(logits / temp, topk)
            nxt = int(ix[torch.multinomial(torch.softmax(v, -1), 1, generator=gen)])
        ids.append(nxt)
        if nxt in stop:
            break
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/demo")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--steps", type=int, default=320)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--dim", type=int, default=192)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=512)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--eval-every", type=int, default=40)
    ap.add_argument("--no-export", action="store_true")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    lf = open(os.path.join(a.out, "train-log.txt"), "w")
    log(lf, "args:", vars(a), "torch", torch.__version__)
    t0 = time.time()

    verses = load_verses()
    keys = sorted({(b, c) for b, c, _, _ in verses}, key=lambda k: (list(BOOKS.values()).index(k[0]), k[1]))
    held = set(rng.sample(keys, max(1, len(keys) // 50)))  # 2% of chapters held out
    train_v = [v for v in verses if (v[0], v[1]) not in held]
    held_v = [v for v in verses if (v[0], v[1]) in held]
    log(lf, f"verses {len(verses)} chapters {len(keys)} held-out chapters {len(held)} ({len(held_v)} verses)")
    train_docs = build_docs(train_v, rng, 0.5)
    held_docs = build_docs(held_v, rng, 0.5)

    counts = {}
    for d in train_docs:
        for sp, piece in split_specials(d):
            if not sp:
                for w in pretokenize(piece):
                    counts[w] = counts.get(w, 0) + 1
    merges = train_bpe(counts, a.vocab)
    tok = Tokenizer(merges)
    V = len(tok.vocab)
    log(lf, f"bpe: {len(counts)} distinct pre-tokens, {len(merges)} merges, vocab {V} ({time.time()-t0:.1f}s)")
    tr, he = stream(tok, train_docs), stream(tok, held_docs)
    log(lf, f"tokens: train {len(tr)} held-out {len(he)} ({time.time()-t0:.1f}s)")

    cfg = dict(vocab_size=V, hidden_size=a.dim, intermediate_size=a.ffn, num_hidden_layers=a.layers,
               num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=a.ctx,
               rms_norm_eps=1e-5, rope_theta=10000.0)
    model = Llama(cfg)
    nparam = sum(p.numel() for p in model.parameters())
    log(lf, f"model: {cfg} params {nparam}")
    decay = [p for p in model.parameters() if p.dim() == 2]
    nodecay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    g = torch.Generator().manual_seed(a.seed)
    L = a.ctx + 1
    ev_starts = torch.linspace(0, len(he) - L - 1, 32).long()
    ev = torch.stack([he[s:s + L] for s in ev_starts])

    def evaluate():
        model.eval()
        with torch.no_grad():
            tot = 0.0
            for i in range(0, len(ev), 16):
                x = ev[i:i + 16]
                tot += F.cross_entropy(model(x[:, :-1]).reshape(-1, V), x[:, 1:].reshape(-1)).item() * len(x)
        model.train()
        return tot / len(ev)

    warm = max(1, a.steps // 20)
    hist = []
    ts = time.time()
    for step in range(1, a.steps + 1):
        lr = a.lr * (step / warm if step <= warm else 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warm) / (a.steps - warm))))
        for pg in opt.param_groups:
            pg["lr"] = lr
        s = torch.randint(0, len(tr) - L, (a.batch,), generator=g)
        x = torch.stack([tr[i:i + L] for i in s])
        loss = F.cross_entropy(model(x[:, :-1]).reshape(-1, V), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        rec = {"step": step, "train": loss.item()}
        if step % a.eval_every == 0 or step == a.steps or step == 1:
            rec["held"] = evaluate()
        hist.append(rec)
        if step % 10 == 0 or "held" in rec:
            el = time.time() - ts
            log(lf, f"step {step}/{a.steps} lr {lr:.2e} train {loss.item():.4f}" +
                (f" held-out {rec['held']:.4f}" if "held" in rec else "") + f" ({el:.0f}s, {el/step:.2f}s/step)")

    tail = [r["train"] for r in hist[-20:]]
    log(lf, f"final: train loss (mean of last {len(tail)} steps) {sum(tail)/len(tail):.4f}, held-out loss {hist[-1]['held']:.4f}")
    json.dump(hist, open(os.path.join(a.out, "loss.json"), "w"))
    model.eval()

    gen = torch.Generator().manual_seed(a.seed)
    samples = [("plain greedy", "In the beginning", 0.0), ("plain sampled", "And the LORD said", 0.8),
               ("verse greedy", "John 3:16", 0.0),
               ("chat greedy", chat("Recite Genesis 1:1", "")[:-len("<|im_end|>\n")], 0.0),
               ("chat sampled", chat("What does Psalms 23:1 say?", "")[:-len("<|im_end|>\n")], 0.8)]
    for name, p, temp in samples:
        ids = tok.encode(p)
        out = generate(model, ids, 80, temp=temp, gen=gen)
        log(lf, f"--- {name} (T={temp}): {json.dumps(tok.decode(out))}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.figure(figsize=(7, 4))
        plt.plot([r["step"] for r in hist], [r["train"] for r in hist], label="train", alpha=0.7)
        hs = [r for r in hist if "held" in r]
        plt.plot([r["step"] for r in hs], [r["held"] for r in hs], "o-", label="held-out")
        plt.xlabel("step (4096 tokens)"); plt.ylabel("cross-entropy (nats/token)")
        plt.title(f"Meridian demo model ({nparam/1e6:.2f} M params, KJV)"); plt.legend(); plt.grid(alpha=0.3)
        plt.tight_layout(); plt.savefig(os.path.join(a.out, "loss.png"), dpi=100)
    except Exception as e:  # noqa: BLE001
        log(lf, "plot failed:", e)

    if a.no_export:
        torch.save(model.state_dict(), os.path.join(a.out, "state.pt"))
        return
    export_hf(os.path.join(a.out, "hf"), model, cfg, tok)
    rd = os.path.join(a.out, "reference")
    os.makedirs(rd, exist_ok=True)
    refs = {"plain": "In the beginning", "verse": "John 3:16 For God so loved",
            "chat": chat("Recite Genesis 1:1", "")[:-len("<|im_end|>\n")],
            "chat2": chat("What does Psalms 23:1 say?", "")[:-len("<|im_end|>\n")]}
    index = {}
    with torch.no_grad():
        for name, p in refs.items():
            ids = tok.encode(p)
            lg = model(torch.tensor([ids]))[0].to(torch.float32).contiguous()
            open(os.path.join(rd, f"{name}.ids.txt"), "w").write("prompt_tokens " + " ".join(map(str, ids)) + "\n")
            open(os.path.join(rd, f"{name}.logits.f32"), "wb").write(lg.numpy().astype("<f4").tobytes())
            index[name] = {"prompt": p, "tokens": ids, "positions": len(ids), "vocab": V,
                           "greedy_next": int(lg[-1].argmax())}
    json.dump(index, open(os.path.join(rd, "prompts.json"), "w"), indent=2)
    log(lf, f"exported to {a.out} in {time.time()-t0:.0f}s total")


if __name__ == "__main__":
    main()
