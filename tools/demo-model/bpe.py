"""Byte-level BPE (GPT-2 style): pre-tokenizer, trainer, encoder, decoder.

The pre-tokenizer reproduces the GPT-2 split regex
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
without the third-party `regex` module: letter/number classes come from
unicodedata general categories (L*, N*), whitespace from str.isspace().
"""
import unicodedata

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]  # ids 0, 1, 2


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def _cls(c):
    if c.isspace():
        return "s"
    cat = unicodedata.category(c)[0]
    if cat == "L":
        return "L"
    if cat == "N":
        return "N"
    return "o"


_CONTR = ("s", "t", "re", "ve", "m", "ll", "d")


def pretokenize(s):
    out = []
    i, n = 0, len(s)
    cls = [_cls(c) for c in s]
    while i < n:
        c = s[i]
        if c == "'":
            hit = None
            for suf in _CONTR:
                if s.startswith(suf, i + 1):
                    hit = suf
                    break
            if hit is not None:
                out.append(s[i:i + 1 + len(hit)])
                i += 1 + len(hit)
                continue
        start = i
        j = i
        if c == " " and i + 1 < n and cls[i + 1] != "s":
            j = i + 1
        k = cls[j]
        if k != "s":  # ' ?\p{L}+ | ' ?\p{N}+ | ' ?[^\s\p{L}\p{N}]+
            while j < n and cls[j] == k:
                j += 1
            out.append(s[start:j])
            i = j
            continue
        # whitespace run
        j = i
        while j < n and cls[j] == "s":
            j += 1
        if j == n or j - i == 1:
            out.append(s[i:j])  # \s+(?!\S) at end, or \s+ for a lone char
            i = j
        else:
            out.append(s[i:j - 1])  # \s+(?!\S) backtracks one
            i = j - 1
    return out


def split_specials(text):
    """Yield (is_special, piece)."""
    i = 0
    while i < len(text):
        best = None
        for sp in SPECIALS:
            p = text.find(sp, i)
            if p >= 0 and (best is None or p < best[0]):
                best = (p, sp)
        if best is None:
            yield False, text[i:]
            return
        p, sp = best
        if p > i:
            yield False, text[i:p]
        yield True, sp
        i = p + len(sp)


def to_u(word):
    return "".join(B2U[b] for b in word.encode("utf-8"))


def train_bpe(word_counts, vocab_size):
    """word_counts: dict pre-token(str) -> count. Returns list of merges (a, b) in rank order."""
    n_merges = vocab_size - len(SPECIALS) - 256
    items = sorted(word_counts.items())
    words = [list(to_u(w)) for w, _ in items]
    freqs = [c for _, c in items]
    pc = {}
    where = {}
    for wi, sy in enumerate(words):
        f = freqs[wi]
        for p in zip(sy, sy[1:]):
            pc[p] = pc.get(p, 0) + f
            where.setdefault(p, set()).add(wi)
    merges = []
    while len(merges) < n_merges and pc:
        best = max(pc.items(), key=lambda kv: (kv[1], kv[0]))
        if best[1] < 2:
            break
        a, b = best[0]
        merges.append((a, b))
        ab = a + b
        for wi in sorted(where.pop((a, b), ())):
            sy = words[wi]
            f = freqs[wi]
            if len(sy) < 2:
                continue
            for p in zip(sy, sy[1:]):
                pc[p] -= f
                if pc[p] == 0:
                    del pc[p]
            new = []
            i = 0
            while i < len(sy):
                if i + 1 < len(sy) and sy[i] == a and sy[i + 1] == b:
                    new.append(ab)
                    i += 2
                else:
                    new.append(sy[i])
                    i += 1
            words[wi] = new
            for p in zip(new, new[1:]):
                pc[p] = pc.get(p, 0) + f
                where.setdefault(p, set()).add(wi)
        pc.pop((a, b), None)
    return merges


class Tokenizer:
    def __init__(self, merges):
        self.merges = merges
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.vocab = {}
        for i, sp in enumerate(SPECIALS):
            self.vocab[sp] = i
        for b in range(256):
            self.vocab[B2U[b]] = len(self.vocab)
        for a, b in merges:
            assert a + b not in self.vocab, f"merge {a!r}+{b!r} duplicates a token"
            self.vocab[a + b] = len(self.vocab)
        self.inv = {i: t for t, i in self.vocab.items()}
        self.cache = {}

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        sy = list(to_u(word))
        while len(sy) > 1:
            best = None
            for i, p in enumerate(zip(sy, sy[1:])):
                r = self.ranks.get(p)
                if r is not None and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                break
            a, b = self.merges[best[0]]
            new, i = [], 0
            while i < len(sy):
                if i + 1 < len(sy) and sy[i] == a and sy[i + 1] == b:
                    new.append(a + b)
                    i += 2
                else:
                    new.append(sy[i])
                    i += 1
            sy = new
        ids = [self.vocab[t] for t in sy]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        ids = []
        for special, piece in split_specials(text):
            if special:
                ids.append(self.vocab[piece])
            else:
                for w in pretokenize(piece):
                    ids.extend(self._bpe(w))
        return ids

    def decode(self, ids):
        out = []
        buf = bytearray()
        for i in ids:
            t = self.inv[i]
            if t in SPECIALS:
                out.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
                out.append(t)
            else:
                buf.extend(U2B[c] for c in t)
        out.append(buf.decode("utf-8", errors="replace"))
        return "".join(out)
