#!/usr/bin/python3
"""Make a tiny sentence-transformers-shaped BERT for the minilm embedder's tests.

Writes, into OUT (default internal/search/minilm/testdata/tiny):

  model.onnx       a BERT encoder with random weights (seeded), exported from
                   torch to ONNX opset 14 with inputs input_ids,
                   attention_mask, token_type_ids and the output
                   last_hidden_state, batch and sequence axes dynamic - the
                   layout of sentence-transformers/all-MiniLM-L6-v2's
                   onnx/model.onnx;
  tokenizer.json   a Hugging Face tokenizers file: BertNormalizer (lower case,
                   strip_accents null as in all-MiniLM-L6-v2),
                   BertPreTokenizer, WordPiece over a small vocabulary,
                   [CLS] ... [SEP] template, truncation at and fixed
                   padding to 128 (as all-MiniLM-L6-v2's);
  config.json      the BERT config (max_position_embeddings, pad_token_id);
  golden.json      for a few sentences: the WordPiece ids this script's
                   reference tokenizer makes (Hugging Face's BertTokenizer
                   rules) and the sentence vector torch computes from them -
                   mean of last_hidden_state over the attention mask, then L2
                   normalisation.

Nothing is downloaded. Debian's python3 with torch is enough (torch 1.13
exports ONNX without the onnx package). The BERT is written out here rather
than taken from transformers (not installed), following BertModel: word +
position + token-type embeddings and LayerNorm (eps 1e-12), post-norm
encoder layers with exact (erf) GELU, additive attention mask.

  /usr/bin/python3 scripts/make-tiny-minilm.py                  # the test model
  /usr/bin/python3 scripts/make-tiny-minilm.py --shape minilm \\
      --out /tmp/minilm-random                                  # all-MiniLM-L6-v2 shape

--shape minilm makes a 6-layer, 384-wide, 12-head BERT with a 30,522-entry
vocabulary (the all-MiniLM-L6-v2 shape, ~90 MB) for latency measurements; its
vocabulary is synthetic (the tiny words, letters, then filler pieces), so its
vectors mean nothing.
"""

import argparse
import json
import math
import os
import sys
import unicodedata

import torch
from torch import nn

SHAPES = {
    # layers, hidden, heads, intermediate, max positions
    "tiny": dict(layers=2, hidden=32, heads=4, intermediate=64, max_pos=128),
    "minilm": dict(layers=6, hidden=384, heads=12, intermediate=1536, max_pos=512),
}

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# Whole words and word pieces of the tiny vocabulary: enough for the golden
# sentences and the test catalogue to tokenize into real pieces, letters and
# digits (with ## continuations) for everything else.
WORDS = """the a an of and for to in on with not no movie movies film kids
funny animated animation comedy comedies drama horror scary thriller thrillers
space adventure war wars star trek love story toy fargo heat silence lambs
godfather shawshank redemption les miserables before after 90s nineties
sci fi action crime romance western musical mystery children family alien
robot detective""".split()
PIECES = """##s ##es ##ed ##ing ##er ##ers ##ly ##tion ##ies ##y ##ption""".split()
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

GOLDEN_SENTENCES = [
    "space adventure",
    "funny animated movies for kids",
    "Les Misérables (1995)",
    "shawshank redemtion",
    "The Silence of the Lambs",
    "90s thrillers not horror",
    "Toy Story. Genres: Animation, Children's, Comedy.",
    "xyzzy",
    # Longer than the model's 128 positions: truncated to 126 pieces + [CLS], [SEP].
    "space adventure " * 70,
]


def build_vocab(size=None):
    vocab = list(SPECIAL)
    seen = set(vocab)

    def add(tok):
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    for t in PUNCT:
        add(t)
    for c in "0123456789abcdefghijklmnopqrstuvwxyz":
        add(c)
        add("##" + c)
    for w in WORDS:
        add(w)
    for p in PIECES:
        add(p)
    if size:
        # Filler pieces up to the requested size (latency model only).
        i = 0
        letters = "abcdefghijklmnopqrstuvwxyz"
        while len(vocab) < size:
            a, b, c = letters[i % 26], letters[(i // 26) % 26], letters[(i // 676) % 26]
            add(("##" if i % 2 else "") + c + b + a)
            i += 1
            if i > 26 ** 3 * 2:
                add("[unused%d]" % len(vocab))
    return vocab


# --- reference tokenizer: Hugging Face BertTokenizer rules ------------------


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def normalize(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    text = "".join(out)
    # lowercase=True, strip_accents=None: accents are stripped too.
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return text.lower()


def pre_tokenize(text):
    words = []
    for chunk in text.split():
        cur = ""
        for ch in chunk:
            if _is_punct(ch):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(ch)
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


def wordpiece(word, index, max_chars=100):
    if len(word) > max_chars:
        return [index["[UNK]"]]
    ids, start = [], 0
    while start < len(word):
        end, cur = len(word), None
        while start < end:
            sub = word[start:end]
            if start > 0:
                sub = "##" + sub
            if sub in index:
                cur = index[sub]
                break
            end -= 1
        if cur is None:
            return [index["[UNK]"]]
        ids.append(cur)
        start = end
    return ids


def tokenize(text, index, max_len):
    ids = []
    for w in pre_tokenize(normalize(text)):
        ids.extend(wordpiece(w, index))
    ids = ids[: max_len - 2]
    return [index["[CLS]"]] + ids + [index["[SEP]"]]


def tokenizer_json(vocab, max_len):
    index = {t: i for i, t in enumerate(vocab)}
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_len, "strategy": "LongestFirst", "stride": 0},
        # As all-MiniLM-L6-v2's tokenizer.json: truncation at 128 and fixed
        # padding to 128 (masked out; the embedder sets its own length).
        "padding": {"strategy": {"Fixed": max_len}, "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": [
            {"id": index[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for t in SPECIAL
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [index[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": index},
    }


# --- the BERT encoder, as transformers' BertModel computes it ---------------


class Layer(nn.Module):
    def __init__(self, h, heads, inter):
        super().__init__()
        self.heads, self.hd = heads, h // heads
        self.q, self.k, self.v, self.o = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=1e-12)
        self.fc1, self.fc2 = nn.Linear(h, inter), nn.Linear(inter, h)
        self.ln2 = nn.LayerNorm(h, eps=1e-12)

    def forward(self, x, bias):
        b, s, h = x.shape

        def split(t):
            return t.view(b, s, self.heads, self.hd).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.hd) + bias
        ctx = torch.matmul(torch.softmax(att, dim=-1), v).transpose(1, 2).reshape(b, s, h)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.fc2(nn.functional.gelu(self.fc1(x))))


class Bert(nn.Module):
    def __init__(self, vocab, layers, hidden, heads, intermediate, max_pos):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_pos, hidden)
        self.typ = nn.Embedding(2, hidden)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList([Layer(hidden, heads, intermediate) for _ in range(layers)])

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.shape[1]
        pos = torch.arange(s, dtype=torch.long).unsqueeze(0)
        x = self.ln(self.word(input_ids) + self.pos(pos) + self.typ(token_type_ids))
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, bias)
        return x


def init_weights(model, seed, hidden):
    g = torch.Generator().manual_seed(seed)
    std = min(0.3, 1.7 / math.sqrt(hidden))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") and p.dim() == 1 and "ln" not in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)
            elif "ln" in name:
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + torch.randn(p.shape, generator=g) * 0.1)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * std)


def sentence_vector(model, ids):
    t = torch.tensor([ids], dtype=torch.long)
    mask = torch.ones_like(t)
    with torch.no_grad():
        out = model(t, mask, torch.zeros_like(t))[0]
    v = out.mean(dim=0)
    return v / v.norm()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="internal/search/minilm/testdata/tiny")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()
    shape = SHAPES[args.shape]
    torch.manual_seed(args.seed)
    vocab = build_vocab(30522 if args.shape == "minilm" else None)
    index = {t: i for i, t in enumerate(vocab)}
    max_len = 128
    model = Bert(len(vocab), shape["layers"], shape["hidden"], shape["heads"], shape["intermediate"],
                 shape["max_pos"]).eval()
    init_weights(model, args.seed, shape["hidden"])
    os.makedirs(args.out, exist_ok=True)

    ids = torch.tensor([tokenize("space adventure", index, max_len)], dtype=torch.long)
    torch.onnx.export(
        model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), os.path.join(args.out, "model.onnx"),
        input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch_size", 1: "sequence_length"}
                      for n in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
        opset_version=14, do_constant_folding=True)

    with open(os.path.join(args.out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab, max_len), f, ensure_ascii=False, separators=(",", ":"))
    config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": shape["hidden"],
              "num_hidden_layers": shape["layers"], "num_attention_heads": shape["heads"],
              "intermediate_size": shape["intermediate"], "hidden_act": "gelu",
              "max_position_embeddings": shape["max_pos"], "type_vocab_size": 2, "vocab_size": len(vocab),
              "layer_norm_eps": 1e-12, "pad_token_id": 0}
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")

    golden = {"max_length": max_len, "dim": shape["hidden"], "sentences": []}
    for s in GOLDEN_SENTENCES:
        ids = tokenize(s, index, max_len)
        v = sentence_vector(model, ids)
        golden["sentences"].append({"text": s, "ids": ids, "vector": [round(float(x), 8) for x in v]})
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        # One sentence a line: small diffs when the script changes.
        f.write('{"max_length": %d, "dim": %d, "sentences": [\n' % (max_len, shape["hidden"]))
        f.write(",\n".join(json.dumps(s, ensure_ascii=False) for s in golden["sentences"]))
        f.write("\n]}\n")
    for name in sorted(os.listdir(args.out)):
        print("%-16s %8d bytes" % (name, os.path.getsize(os.path.join(args.out, name))), file=sys.stderr)


if __name__ == "__main__":
    main()
