"""PyTorch reference for `npm run bench:engine`: the same two models as src/core, same shapes.

Run with Debian's interpreter (/usr/bin/python3, package python3-torch). Prints one JSON line:
{"gru": {...}, "transformer": {...}, "rss_mb": ...} with training target tokens/s and greedy /
beam-4 decode latencies (ms) for a 100-token source.

Architecture mirrors src/core (read from rnnModel/encoder/decoder/attention/transformer.ts):
- GRU: embedding 128 -> dropout -> bidirectional GRU 256 (gate layout r|z|n with the candidate's
  state bias inside r * (...), which is PyTorch's own GRU) -> bridge tanh(W [h_fw; h_bw] + b) ->
  decoder embedding 128 -> dropout -> GRU 256 -> Luong general scores h . (W m_s), masked softmax,
  context -> tanh(W_c [h; c] + b) -> dropout -> output layer to the vocabulary.
- Transformer: pre-norm, sinusoidal positions, embeddings scaled by sqrt(d), fused qkv projection,
  ReLU feed-forward, final layer norms on both stacks, untied output layer.
- Loss: cross-entropy with label smoothing 0.1; Adam lr 1e-3.
Differences: PyTorch's GRU runs its recurrence in C++ (one fused op per step in ATen); tfjs runs
about 15 kernels per step. The beam search here is a plain batched top-k beam with no n-best
bookkeeping, attention capture or no-repeat checks; ours does those in JS per step.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ARGS = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
THREADS = int(ARGS.get("threads", 1))
torch.set_num_threads(THREADS)
torch.manual_seed(0)

B, S, T, V, E, H = 32, 60, 20, 4000, 128, 256
D, HEADS, FF = 256, 4, 1024
DROPOUT = 0.1
STEPS = int(ARGS.get("steps", 5))
SENTENCES = int(ARGS.get("sentences", 20))
DECODE_SRC, DECODE_LEN = 100, int(ARGS.get("decodeLen", 30))


class GruSeq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb = nn.Embedding(V, E)
        self.enc = nn.GRU(E, H, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * H, H)
        self.tgt_emb = nn.Embedding(V, E)
        self.dec = nn.GRU(E, H, batch_first=True)
        self.att_w = nn.Linear(2 * H, H, bias=False)
        self.combine = nn.Linear(H + 2 * H, H)
        self.out = nn.Linear(H, V)
        self.drop = nn.Dropout(DROPOUT)

    def encode(self, src):
        memory, h = self.enc(self.drop(self.src_emb(src)))  # h [2, b, H]
        init = torch.tanh(self.bridge(torch.cat([h[0], h[1]], 1))).unsqueeze(0)
        keys = self.att_w(memory).transpose(1, 2)  # [b, H, S]
        return memory, keys, init

    def decode(self, memory, keys, state, tgt):
        x, state = self.dec(self.drop(self.tgt_emb(tgt)), state)
        weights = torch.softmax(torch.bmm(x, keys), -1)  # no padding in the benchmark
        ctx = torch.bmm(weights, memory)
        comb = self.drop(torch.tanh(self.combine(torch.cat([x, ctx], 2))))
        return self.out(comb), state

    def forward(self, src, tgt):
        memory, keys, init = self.encode(src)
        return self.decode(memory, keys, init, tgt)[0]


def positions(n, d):
    pe = torch.zeros(n, d)
    pos = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    div = torch.pow(10000.0, torch.arange(0, d, 2, dtype=torch.float32) / d)
    pe[:, 0::2] = torch.sin(pos / div)
    pe[:, 1::2] = torch.cos(pos / div)
    return pe


class Block(nn.Module):
    def __init__(self, cross):
        super().__init__()
        self.ln1, self.qkv, self.o = nn.LayerNorm(D), nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.ln2, self.w1, self.w2 = nn.LayerNorm(D), nn.Linear(D, FF), nn.Linear(FF, D)
        if cross:
            self.ln3, self.cq, self.ckv, self.co = nn.LayerNorm(D), nn.Linear(D, D), nn.Linear(D, 2 * D), nn.Linear(D, D)
        self.drop = nn.Dropout(DROPOUT)

    @staticmethod
    def heads(x):
        b, t, _ = x.shape
        return x.view(b, t, HEADS, D // HEADS).transpose(1, 2)

    @staticmethod
    def merge(x):
        b, _, t, _ = x.shape
        return x.transpose(1, 2).reshape(b, t, D)

    def attend(self, q, k, v, bias):
        s = q @ k.transpose(-1, -2) / math.sqrt(D // HEADS)
        if bias is not None:
            s = s + bias
        return torch.softmax(s, -1) @ v

    def self_att(self, x, bias):
        q, k, v = self.qkv(self.ln1(x)).split(D, 2)
        a = self.attend(self.heads(q), self.heads(k), self.heads(v), bias)
        return x + self.drop(self.o(self.merge(a)))

    def cross_att(self, x, memory):
        k, v = self.ckv(memory).split(D, 2)
        a = self.attend(self.heads(self.cq(self.ln3(x))), self.heads(k), self.heads(v), None)
        return x + self.drop(self.co(self.merge(a)))

    def ff(self, x):
        return x + self.drop(self.w2(F.relu(self.w1(self.ln2(x)))))


class TransformerSeq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(V, D), nn.Embedding(V, D)
        self.register_buffer("pos", positions(257, D))
        self.enc = nn.ModuleList([Block(False) for _ in range(2)])
        self.dec = nn.ModuleList([Block(True) for _ in range(2)])
        self.enc_ln, self.dec_ln = nn.LayerNorm(D), nn.LayerNorm(D)
        self.out = nn.Linear(D, V)
        self.drop = nn.Dropout(DROPOUT)

    def embed(self, table, ids):
        return self.drop(table(ids) * math.sqrt(D) + self.pos[: ids.shape[1]])

    def encode(self, src):
        x = self.embed(self.src_emb, src)
        for L in self.enc:
            x = L.ff(L.self_att(x, None))
        return self.enc_ln(x)

    def decode(self, memory, tgt):
        t = tgt.shape[1]
        causal = torch.triu(torch.full((t, t), -1e9), 1)
        x = self.embed(self.tgt_emb, tgt)
        for L in self.dec:
            x = L.ff(L.cross_att(L.self_att(x, causal), memory))
        return self.out(self.dec_ln(x))

    def forward(self, src, tgt):
        return self.decode(self.encode(src), tgt)


def train_rate(model):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    src = torch.randint(6, V, (B, S))
    tgt_in, tgt_out = torch.randint(6, V, (B, T)), torch.randint(6, V, (B, T))
    model.train()

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(src, tgt_in).reshape(-1, V), tgt_out.reshape(-1), label_smoothing=0.1)
        loss.backward()
        opt.step()

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(STEPS):
        step()
    dt = (time.perf_counter() - t0) / STEPS
    return {"stepMs": dt * 1000, "tokensPerSec": B * T / dt}


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


@torch.no_grad()
def decode_latency(model, is_gru, beam):
    model.eval()
    times = []
    for i in range(SENTENCES + 1):
        src = torch.randint(6, V, (1, DECODE_SRC))
        t0 = time.perf_counter()
        if is_gru:
            memory, keys, state = model.encode(src)
        else:
            memory = model.encode(src)
        scores = torch.zeros(1)
        toks = torch.full((1, 1), 1, dtype=torch.long)  # BOS
        for step in range(DECODE_LEN):
            n = toks.shape[0]
            if is_gru:
                m, k = memory.expand(n, -1, -1), keys.expand(n, -1, -1)
                logits, state = model.decode(m, k, state, toks[:, -1:])
                logp = torch.log_softmax(logits[:, -1], -1)
            else:
                # Full re-decode of the prefix (no KV cache): what a plain PyTorch loop does.
                logp = torch.log_softmax(model.decode(memory.expand(n, -1, -1), toks)[:, -1], -1)
            cand = (scores.unsqueeze(1) + logp).view(-1)
            top, idx = cand.topk(beam)
            rows, tok = idx // V, idx % V
            scores = top
            toks = torch.cat([toks[rows], tok.unsqueeze(1)], 1)
            if is_gru:
                state = state[:, rows]
        if i > 0:  # first sentence is a warm-up
            times.append((time.perf_counter() - t0) * 1000)
    return {"p50": percentile(times, 50), "p90": percentile(times, 90)}


def blas_core():
    """The kernels OpenBLAS runs (OPENBLAS_CORETYPE picks them; see ENVIRONMENT.md)."""
    try:
        import ctypes

        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "unknown"


def main():
    out = {"threads": THREADS, "torch": torch.__version__, "blasCore": blas_core()}
    for name, ctor, is_gru in (("gru", GruSeq2Seq, True), ("transformer", TransformerSeq2Seq, False)):
        if name not in ARGS.get("models", ["gru", "transformer"]):
            continue
        model = ctor()
        r = train_rate(model)
        r["greedy"] = decode_latency(model, is_gru, 1)
        r["beam4"] = decode_latency(model, is_gru, 4)
        out[name] = r
    out["rssMb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


main()
