# Regenerates the ruamel.yaml goldens: python3 gen.py (needs ruamel.yaml;
# Debian: apt-get install python3-ruamel.yaml). Each case is dumped with
# DVC's settings (dvc/utils/serialize/_yaml.py: YAML(), default_flow_style=False).
import io, json
from collections import OrderedDict
from ruamel.yaml import YAML

def dump(data):
    yaml = YAML()
    yaml.default_flow_style = False
    rep = yaml.Representer
    rep.add_representer(OrderedDict, rep.represent_dict)
    s = io.StringIO()
    yaml.dump(data, s)
    return s.getvalue()

strings = ['2.0', 'true', 'a: b', '#x', "it's", "'q'", '- x', '10', '1e5', ' lead', 'trail ',
           'tab\there', 'é', 'echo "hi" > out', '', 'null', '~', 'yes', 'on', 'no', '0o17', '1_000',
           '.5', '1.', 'a #b', 'a#b', '@x', '`x', '%x', 'x:', ':x', '-x', '?x', '[x', '{x', 'x,y',
           '*x', '&x', '!x', '|x', '>x', 'a\nb', 'line1\n\nline3', 'ends\n', 'x\\y', '2001-12-14',
           'True', 'NULL', '0x1F', '+1', '-', '=', '<<', 'a: ', 'ümlaut ' * 20,
           'python src/train.py --data data/prepared/train.parquet --model models/model.pkl --epochs 10 --lr 0.1',
           'x' * 100, 'a ' * 60, "python -c 'import sys; print(sys.argv)' " + 'arg ' * 25]
cases = OrderedDict()
cases['strings'] = OrderedDict(('k%02d' % i, s) for i, s in enumerate(strings))
cases['strings_in_list'] = {'l': strings}
cases['numbers'] = OrderedDict([('a', 1e-05), ('b', 100.0), ('c', 1e16), ('d', 0.1), ('e', -0.0),
                                ('f', 1000000.0), ('g', 10), ('h', -3), ('i', True), ('j', False), ('k', None),
                                ('l', 123456789.125), ('m', 1.5e-7)])
cases['nested'] = OrderedDict([('stages', OrderedDict([('train', OrderedDict([
    ('cmd', ['echo a', 'echo b']),
    ('deps', [OrderedDict([('path', 'data/' + 'long_directory_name/' * 5 + 'file.csv'), ('hash', 'md5'),
                           ('md5', '5ea40360f5b4ec688df672a4db9c17d1.dir'), ('size', 6), ('nfiles', 2)])]),
    ('params', OrderedDict([('params.yaml', OrderedDict([('empty_d', {}), ('empty_l', []),
        ('ll', [[1, 2], [3, [4]]]), ('ld', [OrderedDict([('a', 1), ('b', [1, 2])]), {}]),
        ('d', OrderedDict([('x', OrderedDict([('y', 'z')]))]))]))])),
    ('outs', [OrderedDict([('path', 'model.pkl'), ('hash', 'md5'), ('md5', 'abc'), ('size', 3), ('isexec', True)])]),
]))]))])
cases['multiline_cmd'] = OrderedDict([('stages', OrderedDict([('s', OrderedDict([('cmd', 'echo one\necho two\n')]))]))])
cases['unicode_keys'] = OrderedDict([('ключ', 'значение'), ('日本', ['語'])])
for name, data in cases.items():
    with open(name + '.json', 'w') as f:
        json.dump(data, f, ensure_ascii=False)
    with open(name + '.yaml', 'w') as f:
        f.write(dump(data))
