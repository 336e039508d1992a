#!/usr/bin/env python3
"""PyTorch reference for bench/train: the same BERT4Rec as main.go.

Item and position embeddings, LayerNorm, dropout, post-LN transformer blocks
(fused QKV projection, key padding mask, GELU(tanh) feed-forward 4x wide),
full softmax over the items at the masked positions only (tied output
embedding), AdamW (lr 1e-3, weight decay 0.01 except biases and norms),
gradient clipping at 5. It trains on the exact windows main.go wrote
(-windows), in the same order, and prints one JSON line like main.go.
"""
import argparse
import json
import math
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads, hidden, p):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.up = nn.Linear(d, hidden)
        self.down = nn.Linear(hidden, d)
        self.ln1 = nn.LayerNorm(d)
        self.ln2 = nn.LayerNorm(d)
        self.heads, self.p = heads, p

    def forward(self, x, valid):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        scores = scores.masked_fill(~valid[:, None, None, :], float("-inf"))
        probs = F.dropout(torch.softmax(scores, dim=-1), self.p, self.training)
        o = (probs @ v).transpose(1, 2).reshape(b, t, d)
        x = self.ln1(x + F.dropout(self.out(o), self.p, self.training))
        h = F.dropout(F.gelu(self.up(x), approximate="tanh"), self.p, self.training)
        return self.ln2(x + F.dropout(self.down(h), self.p, self.training))


class BERT4Rec(nn.Module):
    def __init__(self, items, length, d, layers, heads, p):
        super().__init__()
        self.items = nn.Embedding(items + 2, d, padding_idx=0)
        self.pos = nn.Embedding(length, d)
        self.ln = nn.LayerNorm(d)
        self.blocks = nn.ModuleList([Block(d, heads, 4 * d, p) for _ in range(layers)])
        self.p = p
        for emb in (self.items, self.pos):
            nn.init.trunc_normal_(emb.weight, std=0.02, a=-0.04, b=0.04)

    def forward(self, ids, targets):
        valid = ids != 0
        x = self.items(ids) + self.pos.weight[None, :, :]
        x = F.dropout(self.ln(x), self.p, self.training)
        for blk in self.blocks:
            x = blk(x, valid)
        sel = targets >= 0
        h = x[sel]
        logits = h @ self.items.weight.t()
        return F.cross_entropy(logits, targets[sel])


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=1e-3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    raw = np.fromfile(a.windows, dtype="<i4")
    n, length, items = (int(v) for v in raw[:3])
    ids = torch.from_numpy(raw[3 : 3 + n * length].reshape(n, length).astype(np.int64))
    tg = torch.from_numpy(raw[3 + n * length : 3 + 2 * n * length].reshape(n, length).astype(np.int64))
    model = BERT4Rec(items, length, a.dim, a.layers, a.heads, a.dropout)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
    model.train()
    res = {"engine": f"pytorch-{torch.__version__}", "threads": a.threads, "windows": n, "items": items,
           "epoch_seconds": [], "epoch_cpu_seconds": []}
    last = 0.0
    for ep in range(a.epochs):
        t0, c0 = time.perf_counter(), cpu_seconds()
        total, steps = 0.0, 0
        for b0 in range(0, n, a.batch):
            loss = model(ids[b0 : b0 + a.batch], tg[b0 : b0 + a.batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item()
            steps += 1
        sec, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        res["epoch_seconds"].append(sec)
        res["epoch_cpu_seconds"].append(cpu)
        last = total / steps
        print(f"{res['engine']} epoch {ep + 1}: {sec:.2f} s ({cpu:.2f} CPU s), loss {last:.4f}", file=sys.stderr)
    res["steps_per_epoch"] = steps
    res["final_loss"] = last
    timed = res["epoch_seconds"][1:] or res["epoch_seconds"]
    ctimed = res["epoch_cpu_seconds"][1:] or res["epoch_cpu_seconds"]
    res["seconds_per_epoch"] = sum(timed) / len(timed)
    res["cpu_seconds_per_epoch"] = sum(ctimed) / len(ctimed)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
