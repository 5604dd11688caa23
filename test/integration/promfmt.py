"""A checker of the Prometheus text exposition format (0.0.4) for the
tests: every sample belongs to a family announced by # HELP and # TYPE
before it, names and label names are valid, label values are quoted and
escaped, no series appears twice, values are numbers, and a histogram's
buckets are cumulative, end with le="+Inf" and agree with _count.
parse() returns {(name, frozenset(labels.items())): value}."""
import math
import re

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def _labels(text):
    out, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        assert m, "bad label set {%s}" % text
        assert m.group(1) not in out, "label twice: " + m.group(1)
        out[m.group(1)] = m.group(2)
        pos = m.end()
        if pos < len(text):
            assert text[pos] == ",", "bad label separator {%s}" % text
            pos += 1
    return out


def _family(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return name


def parse(text):
    assert text.endswith("\n"), "exposition must end with a newline"
    helps, types, samples = {}, {}, {}
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert NAME.match(name) and name not in helps, line
            helps[name] = True
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            assert name in helps and name not in types, line
            assert typ in TYPES, line
            types[name] = typ
            continue
        assert line and not line.startswith("#"), "stray line %r" % line
        m = re.match(r"([^{ ]+)(?:\{(.*)\})? (\S+)\Z", line)
        assert m, "bad sample line %r" % line
        name, labels, value = m.group(1), _labels(m.group(2) or ""), \
            m.group(3)
        assert NAME.match(name), line
        family = _family(name, types)
        assert family in types, "sample before its # TYPE: " + line
        v = float(value)
        assert not math.isnan(v), line
        key = (name, frozenset(labels.items()))
        assert key not in samples, "series twice: " + line
        samples[key] = v
    for name, typ in types.items():
        if typ == "histogram":
            _check_histogram(name, samples)
    return samples


def _check_histogram(name, samples):
    buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in
                      samples.items() if k[0] == name + "_bucket"))
    assert buckets and buckets[-1][0] == math.inf, name + ": no +Inf"
    counts = [v for _, v in buckets]
    assert counts == sorted(counts), name + ": buckets not cumulative"
    assert samples[(name + "_count", frozenset())] == counts[-1], name
    assert (name + "_sum", frozenset()) in samples, name


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)
