"""Reads a safetensors file the way the reference loader does (8-byte
little-endian header size, JSON header, data offsets relative to the end of
the header) into torch tensors, and prints name, shape and sum per tensor."""
import json
import struct
import sys

import torch

with open(sys.argv[1], "rb") as f:
    data = f.read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8 : 8 + n])
meta = header.pop("__metadata__", {})
body = memoryview(data)[8 + n :]
for name in sorted(header):
    e = header[name]
    assert e["dtype"] == "F32", e
    lo, hi = e["data_offsets"]
    t = torch.frombuffer(bytearray(body[lo:hi]), dtype=torch.float32).reshape(e["shape"])
    print(name, list(t.shape), f"{t.double().sum().item():.6f}")
print("meta", json.dumps(meta, sort_keys=True))
