#!/usr/bin/env python3
"""A plain Python baseline for tradewire's job, for the performance table.

Raw articles as JSON lines in, one enriched record per good line out (bad
lines reported on stderr as ``line N: KIND: reason``), like
``tradewire enrich``:

* entities by keyword matching over tradewire's own gazetteers in ``data/``
  (countries, blocs, locations, people and organisations case-sensitive;
  instruments and commodities case-insensitive), longest match first, word
  bounded (token n-grams looked up in dictionaries), with character offsets
  into ``title + "\\n\\n" + body``;
* relevance from the weighted cues of ``data/relevance.tsv`` plus a little
  for every country or bloc named, and topics from ``data/topics.tsv``;
* sentiment with VADER (``vaderSentiment`` from PyPI).

It is what a competent engineer writes in an afternoon: no person or
organisation rules, no tariff measures, no deadlines. It is here to be
timed, not to be used.

    python3 -m venv /tmp/tw-baseline
    /tmp/tw-baseline/bin/pip install -r benches/baseline/requirements.txt
    /tmp/tw-baseline/bin/python benches/baseline/baseline.py < in.jsonl > out.jsonl
"""

import argparse
import json
import re
import sys
import time
from datetime import datetime
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

DATA = Path(__file__).resolve().parents[2] / "data"


def rows(name):
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")


def alts(*cols):
    out = []
    for c in cols:
        out += [a for a in c.split("|") if a]
    return out


TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text):
    return [(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(text)]


class PhraseTable:
    """Phrases looked up by token n-grams, longest first: word-bounded by
    construction, and a dictionary probe per candidate instead of one
    regex alternation of thousands of phrases (which is ten times slower)."""

    def __init__(self, fold):
        self.fold, self.table, self.lengths = fold, {}, {}

    def add(self, phrase, value):
        key = tuple(t for t, _, _ in tokens(phrase.lower() if self.fold else phrase))
        if key and key not in self.table:
            self.table[key] = value
            self.lengths.setdefault(key[0], set()).add(len(key))

    def finditer(self, toks):
        words = [t.lower() for t, _, _ in toks] if self.fold else [t for t, _, _ in toks]
        i, n = 0, len(words)
        while i < n:
            lengths = self.lengths.get(words[i])
            if lengths:
                for k in sorted(lengths, reverse=True):
                    value = self.table.get(tuple(words[i : i + k]))
                    if value is not None:
                        yield value, toks[i][1], toks[i + k - 1][2]
                        i += k
                        break
                else:
                    i += 1
            else:
                i += 1


class Gazetteer:
    """Named entities from tradewire's gazetteers."""

    def __init__(self):
        self.exact, self.folded = PhraseTable(False), PhraseTable(True)
        for r in rows("countries.tsv"):
            r += [""] * 4
            for f in alts(r[1], r[2], r[3]):
                self.exact.add(f, (f"country:{r[0]}", "country", r[1]))
        for r in rows("blocs.tsv"):
            r += [""] * 4
            for f in alts(r[1], r[2]):
                self.exact.add(f, (f"bloc:{r[0]}", "bloc", r[1]))
        for r in rows("locations.tsv"):
            r += [""] * 5
            for f in alts(r[1], r[2]):
                self.exact.add(f, (f"location:{r[0]}", "location", r[1]))
        for r in rows("people.tsv"):
            r += [""] * 5
            for f in alts(r[1], r[2]):
                self.exact.add(f, (f"person:{r[0]}", "person", r[1]))
        for r in rows("organizations.tsv"):
            r += [""] * 3
            for f in alts(r[1], r[2]):
                self.exact.add(f, (f"org:{r[0]}", "organization", r[1]))
        for kind, name in (("instrument", "instruments.tsv"), ("commodity", "commodities.tsv")):
            for r in rows(name):
                r += [""] * 2
                for f in alts(r[1]):
                    self.folded.add(f, (f"{kind}:{r[0]}", kind, r[0]))

    def find(self, text, toks):
        found = {}
        for table in (self.exact, self.folded):
            for (eid, kind, name), start, end in table.finditer(toks):
                e = found.setdefault(eid, {"id": eid, "kind": kind, "name": name, "count": 0, "mentions": []})
                e["count"] += 1
                e["mentions"].append({"start": start, "end": end, "text": text[start:end]})
        return list(found.values())


class Relevance:
    def __init__(self):
        self.table = PhraseTable(True)
        weights, topics = {}, {}
        for r in rows("relevance.tsv"):
            for f in alts(r[0]):
                weights[f.lower()] = float(r[1])
        for r in rows("topics.tsv"):
            for f in alts(r[1]):
                topics.setdefault(f.lower(), []).append(r[0])
        for f in set(weights) | set(topics):
            self.table.add(f, (f, weights.get(f, 0.0), topics.get(f, [])))

    def score(self, toks, entities):
        evidence, hits, topics = 0.0, {}, {}
        for (phrase, weight, phrase_topics), _, _ in self.table.finditer(toks):
            hits[phrase] = hits.get(phrase, 0) + 1
            if hits[phrase] <= 3:
                evidence += weight
            for t in phrase_topics:
                topics[t] = topics.get(t, 0) + 1
        evidence += 0.3 * sum(1 for e in entities if e["kind"] in ("country", "bloc"))
        score = max(0.0, min(1.0, evidence / 6.0))
        relevant = score >= 0.5
        return relevant, score, sorted(t for t, n in topics.items() if relevant and n >= 2)


class BadInput(Exception):
    def __init__(self, kind, reason):
        super().__init__(reason)
        self.kind = kind


def parse(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInput("invalid_utf8", f"payload is not UTF-8: {e}")
    try:
        a = json.loads(text)
    except ValueError as e:
        raise BadInput("invalid_json", f"not JSON: {e}")
    if not isinstance(a, dict):
        raise BadInput("invalid_json", "expected a JSON object")
    for k in ("id", "source", "url", "title", "body", "published_at", "language"):
        if a.get(k) is not None and not isinstance(a[k], str):
            raise BadInput("invalid_field", f"{k} is not a string")
    if not a.get("body") and not a.get("url"):
        raise BadInput("missing_content", "neither body nor url")
    if a.get("published_at"):
        try:
            datetime.fromisoformat(a["published_at"].replace("Z", "+00:00"))
        except ValueError:
            raise BadInput("invalid_field", "published_at is not a date")
    return a


class Enricher:
    def __init__(self):
        self.gazetteer = Gazetteer()
        self.relevance = Relevance()
        self.vader = SentimentIntensityAnalyzer()

    def enrich(self, a):
        started = time.perf_counter()
        text = "\n\n".join(x for x in (a.get("title"), a.get("body")) if x)
        toks = tokens(text)
        entities = self.gazetteer.find(text, toks)
        relevant, score, topics = self.relevance.score(toks, entities)
        s = self.vader.polarity_scores(text)
        c = s["compound"]
        label = "positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral"
        return {
            "schema": "baseline.enriched.v1",
            "id": a.get("id"),
            "source": a.get("source"),
            "url": a.get("url"),
            "title": a.get("title"),
            "published_at": a.get("published_at"),
            "trade_policy": {"relevant": relevant, "score": round(score, 3), "topics": topics},
            "sentiment": {"label": label, "score": c, "positive": s["pos"], "negative": s["neg"]},
            "entities": entities,
            "enricher": {"version": "baseline", "duration_us": int((time.perf_counter() - started) * 1e6)},
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", type=argparse.FileType("rb"), default=sys.stdin.buffer)
    args = ap.parse_args()
    enricher = Enricher()
    out = sys.stdout
    failed = 0
    for n, line in enumerate(args.input, 1):
        line = line.strip()
        if not line:
            continue
        try:
            record = enricher.enrich(parse(line))
        except BadInput as e:
            print(f"line {n}: {e.kind}: {e}", file=sys.stderr)
            failed += 1
            continue
        out.write(json.dumps(record))
        out.write("\n")
    out.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
