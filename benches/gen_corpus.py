#!/usr/bin/env python3
"""Build a scraped-news corpus of any size from the real news corpus, with
work for every stage of scour: mojibake, boilerplate, edited copies.

    python3 benches/gen_corpus.py --size-mb 100 --out /tmp/news100.jsonl [--seed 1]

Every document is a real article from ../shared/corpora/news_real.jsonl.gz
(Reuters-21578 + BBC News). To reach sizes far beyond the 22 MB source
without turning the corpus into copies of itself, round r > 0 passes each
article through a seeded word substitution (a fixed share of the vocabulary
is swapped for other words of the corpus), so rounds share word statistics
and line shapes but few shingles. Then, seeded:

- every document gets the header and footer chrome of one of 40 fake sites
  (newsletter, cookie, share bar, copyright, comment prompts; some of it in
  wording no built-in rule list holds, recurring across that site's pages);
- 10% get typographic quotes and apostrophes, and half of those are
  mojibaked (UTF-8 read as Windows-1252) on some lines, a few with the stray
  "Â" of a lost non-breaking space;
- 8% are followed by an edited copy (new lede, a dropped paragraph, a few
  words changed) under another id, and 2% by an exact copy.

Output: JSONL `{"id", "text", "source"}` in a deterministic order.
"""

import argparse
import gzip
import json
import os
import random
import re
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_NEWS = os.path.join(HERE, "..", "..", "shared", "corpora", "news_real.jsonl.gz")

HEAD_FAMILIES = [
    ["Skip to main content", "Menu", "Search"],
    ["Sign in", "Subscribe", "Home | World | Business | Sport"],
    ["Advertisement"],
    ["We use cookies to improve your experience. By continuing to browse you agree to our use of cookies.",
     "Accept all cookies"],
]
TAIL_FAMILIES = [
    ["Share this article", "Facebook", "Twitter", "Email"],
    ["Sign up for our daily newsletter and get the top stories in your inbox every morning."],
    ["Related articles", "Read more"],
    ["(0) comments", "Welcome to the discussion.", "Log In"],
    ["Comments are closed."],
    ["Download our app for breaking news alerts."],
]
# Wording no list holds: the corpus-learned layer must find it.
UNLISTED = [
    "Tip us off: our newsroom reads every message at {site}.example/tips",
    "{site} Weekly lands on Sundays, free for readers of this page",
    "Catch {site} Live at seven on channel 12 for the evening roundup",
    "Our journalism at {site} is supported by readers like you. Chip in what you can.",
    "Photos courtesy of the {site} picture desk unless stated otherwise",
]


def load_news(path):
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d.get("text", "").strip():
                docs.append((d["id"], d["text"]))
    return docs


def vocabulary(docs):
    counts = {}
    for _, text in docs[:5000]:
        for w in re.findall(r"[A-Za-z]{3,}", text):
            counts[w.lower()] = counts.get(w.lower(), 0) + 1
    return sorted(w for w, c in counts.items() if c >= 2)


def substitute(text, rnd_round, vocab, share=0.6):
    """Swap `share` of the word types for other vocabulary words, seeded by round."""
    if rnd_round == 0:
        return text
    n = len(vocab)

    def swap(m):
        w = m.group(0)
        h = zlib.crc32(f"{w.lower()}|{rnd_round}".encode())
        if (h % 1000) >= share * 1000:
            return w
        new = vocab[(h // 1000) % n]
        if w[0].isupper():
            new = new.capitalize()
        return new

    return re.sub(r"[A-Za-z]{3,}", swap, text)


def mojibake(s):
    try:
        return s.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        # Bytes cp1252 leaves undefined (0x81, 0x8d, ...): Latin-1 keeps them.
        return s.encode("utf-8").decode("latin-1")


def typographic(text):
    text = re.sub(r"(\w)'(\w)", "\\1\u2019\\2", text)
    return re.sub(r'"([^"\n]{1,200})"', "\u201c\\1\u201d", text)


def site_chrome(rnd, n_sites=40):
    sites = []
    for i in range(n_sites):
        name = f"Site{i:02d}News"
        head = list(rnd.choice(HEAD_FAMILIES))
        tail = list(rnd.choice(TAIL_FAMILIES)) + [f"\u00a9 2024 {name}. All rights reserved."]
        tail.insert(0, rnd.choice(UNLISTED).format(site=name))
        sites.append((name, head, tail))
    return sites


def edit_copy(rnd, text, vocab):
    paras = [p for p in text.split("\n\n") if p.strip()] or [text]
    if len(paras) > 3:
        del paras[rnd.randrange(1, len(paras))]
    words = paras[0].split(" ")
    for _ in range(max(1, len(words) // 25)):
        words[rnd.randrange(len(words))] = rnd.choice(vocab)
    paras[0] = "UPDATED: " + " ".join(words)
    return "\n\n".join(paras)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, required=True, help="stop after this many MB of JSONL")
    ap.add_argument("--out", required=True, help="output .jsonl path")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--news", default=os.environ.get("SCOUR_NEWS", DEFAULT_NEWS))
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    docs = load_news(args.news)
    vocab = vocabulary(docs)
    sites = site_chrome(rnd)
    target = int(args.size_mb * 1e6)
    written = 0
    n = 0
    rnd_round = 0
    with open(args.out, "w", encoding="utf-8") as out:

        def emit(doc_id, text, source):
            nonlocal written, n
            line = json.dumps({"id": doc_id, "text": text, "source": source}, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            n += 1

        while written < target:
            for doc_id, text in docs:
                if written >= target:
                    break
                body = substitute(text, rnd_round, vocab)
                if rnd.random() < 0.10:
                    body = typographic(body)
                    if rnd.random() < 0.5:
                        lines = body.split("\n")
                        for i in range(len(lines)):
                            if rnd.random() < 0.4:
                                lines[i] = mojibake(lines[i])
                        if rnd.random() < 0.3:
                            lines = [l + "\u00c2" if l.endswith(".") else l for l in lines]
                        body = "\n".join(lines)
                name, head, tail = rnd.choice(sites)
                full = "\n".join(head + [""] + [body] + [""] + tail)
                gid = f"r{rnd_round}-{doc_id}"
                emit(gid, full, name)
                roll = rnd.random()
                if roll < 0.08:
                    name2, head2, tail2 = rnd.choice(sites)
                    copy = "\n".join(head2 + [""] + [edit_copy(rnd, body, vocab)] + [""] + tail2)
                    emit(gid + "-edited", copy, name2)
                elif roll < 0.10:
                    emit(gid + "-copy", full, name)
            rnd_round += 1
    print(f"wrote {n} documents, {written / 1e6:.1f} MB to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
