#!/usr/bin/env python3
"""PyTorch reference for bench/train: the same Two-Tower as internal/model/twotower.

Architecture (net.go), with the shapes and hyper-parameters read from the dump's header:
  user tower: Linear(user id embedding [U, d], bias) + Linear(user features [F], no bias)
              + Linear(mean of history embeddings [I, d] table, no bias) -> h0,
              ReLU, Linear h0 -> h1 (bias) ... (ReLU between hidden layers), L2-normalise
  item tower: Linear(item id embedding [I, d], bias) + Linear(content vector [C], no bias) -> h0,
              then as the user tower
  score: exp(s) * <u, v>, s learned (init log(1/temperature), clamped at max_log_scale after each step)
The first layer of each tower is a sum of one Linear per input, as genie writes the concatenation;
the history mean is nn.EmbeddingBag(mode="mean") over the history table, as genie computes it
(nn.Graph.EmbeddingBag); --pool dense uses a dense [B, I] averaging matrix times the table instead,
as genie did before it had that op.
A hidden id (-1 in the dump) looks up a zero row with no gradient (padding_idx).

Loss: in-batch sampled softmax over the batch's positives, logits minus log Q of each column's item,
accidental hits (another row with the same item) masked, mean cross-entropy on the diagonal.
Optimiser: AdamW (betas 0.9/0.999, eps 1e-8, decoupled weight decay on weights and embedding tables,
none on biases and the temperature); the id-embedding tables are sparse and updated lazily
(only the rows of the step, as genie's Adam on row-sparse tensors and PyTorch's SparseAdam),
decay included. Linear warm-up over the first `warmup` steps, then constant; gradient norm clipped.
Each epoch ends, as Fit's, by computing the whole catalogue's item embeddings (early stopping is off).

Inputs: the dump bench/train -model two-tower -dump writes (Fit's own batches after its cold-start
dropout draws, in order): they are loaded before timing. Prints one JSON line like main.go.
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


def load(path):
    raw = open(path, "rb").read()
    if raw[:4] != b"TTB1":
        sys.exit(f"{path}: not a two-tower dump")
    n = int(np.frombuffer(raw, "<u4", 1, 4)[0])
    h = json.loads(raw[8 : 8 + n])
    off = 8 + n
    B, F_, I, C = h["batch"], h["features"], h["items"], h["content"]

    def take(dtype, count):
        nonlocal off
        a = np.frombuffer(raw, dtype, count, off)
        off += 4 * count
        return a

    content = torch.from_numpy(take("<f4", I * C).reshape(I, C).copy())
    steps = []
    for _ in range(h["epochs"] * h["steps_per_epoch"]):
        uids = take("<i4", B).astype(np.int64)
        items = take("<i4", B).astype(np.int64)
        iids = take("<i4", B).astype(np.int64)
        logq = take("<f4", B)
        feats = take("<f4", B * F_).reshape(B, F_)
        lens = take("<i4", B).astype(np.int64)
        hist = take("<i4", int(lens.sum())).astype(np.int64)
        rows = np.repeat(np.arange(B), lens)
        w = np.repeat(1.0 / np.maximum(lens, 1), lens).astype(np.float32)
        offsets = np.concatenate(([0], np.cumsum(lens)[:-1]))
        steps.append({
            # hidden ids -> the padding row (index U / I)
            "uids": torch.from_numpy(np.where(uids < 0, h["users"], uids)),
            "items": torch.from_numpy(items),
            "iids": torch.from_numpy(np.where(iids < 0, I, iids)),
            "logq": torch.from_numpy(logq.copy()),
            "feats": torch.from_numpy(feats.copy()),
            "rows": torch.from_numpy(rows), "hist": torch.from_numpy(hist), "w": torch.from_numpy(w),
            "offsets": torch.from_numpy(offsets),
        })
    if off != len(raw):
        sys.exit(f"{path}: {len(raw) - off} trailing bytes")
    return h, content, steps


def trunc_normal(t, std):
    nn.init.trunc_normal_(t, std=std, a=-2 * std, b=2 * std)


class TwoTower(nn.Module):
    def __init__(self, h, content, pool):
        super().__init__()
        U, I, F_, C, d = h["users"], h["items"], h["features"], h["content"], h["embedding_dim"]
        dims = h["hidden_dims"]
        self.I, self.pool = I, pool
        self.user_id = nn.Embedding(U + 1, d, padding_idx=U, sparse=True)
        self.item_id = nn.Embedding(I + 1, d, padding_idx=I, sparse=True)
        for e in (self.user_id, self.item_id):
            with torch.no_grad():
                trunc_normal(e.weight, 0.05)
                e.weight[-1].zero_()
        self.hist = nn.Parameter(torch.empty(I, d))
        trunc_normal(self.hist, 0.05)

        def lin(i, o, bias):
            l = nn.Linear(i, o, bias=bias)
            trunc_normal(l.weight, 1 / math.sqrt(i))
            if bias:
                nn.init.zeros_(l.bias)
            return l

        self.u_in_id, self.u_in_hist = lin(d, dims[0], True), lin(d, dims[0], False)
        self.u_in_feat = lin(F_, dims[0], False) if F_ > 0 else None
        self.i_in_id = lin(d, dims[0], True)
        self.i_in_content = lin(C, dims[0], False) if C > 0 else None
        self.u_mlp = nn.ModuleList([lin(dims[k - 1], dims[k], True) for k in range(1, len(dims))])
        self.i_mlp = nn.ModuleList([lin(dims[k - 1], dims[k], True) for k in range(1, len(dims))])
        self.log_scale = nn.Parameter(torch.tensor([math.log(1 / h["temperature"])]))
        self.register_buffer("content", content)

    @staticmethod
    def tail(x, layers):
        if len(layers):
            x = F.relu(x)
        for k, l in enumerate(layers):
            x = l(x)
            if k + 1 < len(layers):
                x = F.relu(x)
        return F.normalize(x, dim=1, eps=1e-12)

    def user(self, s):
        x = self.u_in_id(self.user_id(s["uids"]))
        if self.u_in_feat is not None:
            x = x + self.u_in_feat(s["feats"])
        if self.pool == "dense":
            # the [B, I] averaging matrix, as genie's Fit built it before EmbeddingBag
            p = torch.zeros(len(s["uids"]), self.I)
            p.index_put_((s["rows"], s["hist"]), s["w"], accumulate=True)
            pooled = p @ self.hist
        else:
            pooled = F.embedding_bag(s["hist"], self.hist, s["offsets"], mode="mean")
        return self.tail(x + self.u_in_hist(pooled), self.u_mlp)

    def item(self, items, iids):
        x = self.i_in_id(self.item_id(iids))
        if self.i_in_content is not None:
            x = x + self.i_in_content(self.content[items])
        return self.tail(x, self.i_mlp)

    def loss(self, s):
        u = self.user(s)
        v = self.item(s["items"], s["iids"])
        logits = (u @ v.t()) * self.log_scale.exp() - s["logq"][None, :]
        items = s["items"]
        hit = items[:, None] == items[None, :]
        hit.fill_diagonal_(False)
        logits = logits.masked_fill(hit, float("-inf"))
        return F.cross_entropy(logits, torch.arange(len(items)))


class SparseAdamW:
    """genie's nn.Adam on a row-sparse tensor (the id-embedding tables): AdamW updating only the
    rows of the step's gradient (their moments and their decoupled weight decay), as PyTorch's
    SparseAdam plus decay; bias correction by the global step count. The dense parameters use
    torch.optim.AdamW, whose arithmetic is genie's."""

    def __init__(self, params, weight_decay, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.wd, self.b1, self.b2, self.eps, self.t = params, weight_decay, betas[0], betas[1], eps, 0
        self.state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]

    @torch.no_grad()
    def step(self, lr):
        self.t += 1
        b1, b2, wd = self.b1, self.b2, self.wd
        bc1, bc2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p, (m, v) in zip(self.params, self.state):
            if p.grad is None:
                continue
            gr = p.grad.coalesce()
            rows, vals = gr.indices()[0], gr.values()
            mr = m[rows].mul_(b1).add_(vals, alpha=1 - b1)
            vr = v[rows].mul_(b2).addcmul_(vals, vals, value=1 - b2)
            m[rows], v[rows] = mr, vr
            w = p[rows]
            p[rows] = w - lr * wd * w - lr * (mr / bc1) / ((vr / bc2).sqrt_().add_(self.eps))


@torch.no_grad()
def clip_grad_norm(params, max_norm):
    """Global L2 norm over dense and (coalesced) sparse gradients, as genie's nn.ClipGradNorm."""
    sq = torch.zeros(())
    for p in params:
        if p.grad is None:
            continue
        if p.grad.is_sparse:
            p.grad = p.grad.coalesce()
            sq += p.grad.values().pow(2).sum()
        else:
            sq += p.grad.pow(2).sum()
    norm = sq.sqrt().item()
    if norm > max_norm:
        c = max_norm / (norm + 1e-6)
        for p in params:
            if p.grad is not None:
                if p.grad.is_sparse:
                    p.grad = p.grad * c
                else:
                    p.grad.mul_(c)
    return norm


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True, help="bench/train -model two-tower -dump FILE")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=0, help="epochs to run (0: all in the dump)")
    ap.add_argument("--pool", choices=("bag", "dense"), default="bag",
                    help="history mean by nn.EmbeddingBag as genie, or a dense [B, I] matrix product")
    ap.add_argument("--label", default="", help="suffix of the engine name (e.g. the environment)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    h, content, steps = load(a.dump)
    torch.manual_seed(h["seed"])
    S = h["steps_per_epoch"]
    epochs = min(a.epochs or h["epochs"], h["epochs"])
    model = TwoTower(h, content, a.pool)
    params = list(model.parameters())
    sparse = [model.user_id.weight, model.item_id.weight]
    no_decay = [m.bias for m in model.modules() if isinstance(m, nn.Linear) and m.bias is not None]
    no_decay.append(model.log_scale)
    decay = [p for p in params if all(p is not q for q in sparse + no_decay)]
    dense_opt = torch.optim.AdamW([{"params": decay, "weight_decay": h["weight_decay"]},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=h["learning_rate"])
    sparse_opt = SparseAdamW(sparse, h["weight_decay"])
    all_items = torch.arange(h["items"])
    engine = f"pytorch-{torch.__version__}" + ("" if a.pool == "bag" else "-dense") + (f"-{a.label}" if a.label else "")
    res = {"model": "two-tower", "engine": engine, "threads": a.threads, "users": h["users"], "pairs": h["pairs"],
           "items": h["items"], "epoch_seconds": [], "epoch_cpu_seconds": [], "steps_per_epoch": S}
    last, step = 0.0, 0
    for ep in range(epochs):
        t0, c0 = time.perf_counter(), cpu_seconds()
        model.train()
        total = 0.0
        for s in steps[ep * S : (ep + 1) * S]:
            lr = h["learning_rate"] * (step + 1) / h["warmup"] if step < h["warmup"] else h["learning_rate"]
            loss = model.loss(s)
            for p in params:
                p.grad = None
            loss.backward()
            clip_grad_norm(params, h["clip"])
            for g in dense_opt.param_groups:
                g["lr"] = lr
            dense_opt.step()
            sparse_opt.step(lr)
            with torch.no_grad():
                model.log_scale.clamp_(max=h["max_log_scale"])
            step += 1
            total += loss.item()
        # Fit's end of epoch: every item's embedding (for early stopping).
        model.eval()
        with torch.no_grad():
            item_emb = model.item(all_items, all_items)
        sec, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        res["epoch_seconds"].append(sec)
        res["epoch_cpu_seconds"].append(cpu)
        last = total / S
        print(f"{engine} two-tower epoch {ep + 1}: {sec:.2f} s ({cpu:.2f} CPU s), loss {last:.4f}, "
              f"temperature {math.exp(-model.log_scale.item()):.4f}", file=sys.stderr)
    res["final_loss"] = last
    timed = res["epoch_seconds"][1:] or res["epoch_seconds"]
    ctimed = res["epoch_cpu_seconds"][1:] or res["epoch_cpu_seconds"]
    res["seconds_per_epoch"] = sum(timed) / len(timed)
    res["cpu_seconds_per_epoch"] = sum(ctimed) / len(ctimed)
    del item_emb
    print(json.dumps(res))


if __name__ == "__main__":
    main()
