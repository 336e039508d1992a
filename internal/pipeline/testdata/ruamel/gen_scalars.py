# Regenerates scalars.json: how ruamel.yaml (typ="safe", what DVC uses to
# read params files) types plain YAML scalars. python3 gen_scalars.py
import json
from ruamel.yaml import YAML
texts = ['1', '1.0', '1e3', '1e-5', '1.5e+3', '.5', '-.5', '+1', '-0', '0x1F', '0o17', '017', '1_000',
         '1_000.5', 'true', 'True', 'TRUE', 'yes', 'no', 'on', 'off', 'y', 'null', 'Null', '~', '',
         '.inf', '-.inf', '.nan', '2001-12-14', 'abc', '"1"', "'true'", '1.', '0.1', '100.0',
         '12345678901234567890', '0b101', '+.5', '1e16', '007', '09', '-1_0']
out = []
for t in texts:
    try:
        v = YAML(typ='safe').load('k: ' + t)['k']
    except Exception as e:
        out.append([t, 'error', None])
        continue
    typ = type(v).__name__
    if typ == 'float' and v != v:
        val = 'nan'
    elif typ in ('float',) and v in (float('inf'), float('-inf')):
        val = repr(v)
    elif typ in ('date', 'datetime'):
        val = str(v)
    else:
        val = v
    out.append([t, typ, json.dumps(val, sort_keys=True)])
with open('scalars.json', 'w') as f:
    json.dump(out, f, indent=0)
