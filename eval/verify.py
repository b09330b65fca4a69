#!/usr/bin/env python3
"""Checks an evaluation set against the site it is about: every gold page exists and its text
matches one of the item's answer patterns (a differing pattern_page_count is noted, not failed:
counts depend on which files the walk sees).

Usage: eval/verify.py SET.jsonl SITE_ROOT
Page text as in shared/data/docs-qa: html.parser, <script>/<style> dropped, tags become spaces,
NBSP a space, whitespace collapsed.
"""
import html.parser
import json
import os
import re
import sys


class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        self.parts.append(" ")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_texts(root):
    texts = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                parser = Text()
                parser.feed(open(path, errors="replace").read())
                text = "".join(parser.parts).replace("\xa0", " ")
                texts[os.path.relpath(path, root)] = re.sub(r"\s+", " ", text)
    return texts


def page(gold):
    """The file a gold page names: a directory's URL (`responses/`, as MkDocs writes them) is its
    index.html."""
    return gold + "index.html" if gold.endswith("/") else gold


def main():
    items, root = sys.argv[1], sys.argv[2]
    texts = page_texts(root)
    bad = 0
    for line in open(items):
        item = json.loads(line)
        patterns = [re.compile(p, re.IGNORECASE) for p in item["answer_patterns"]]
        matching = {p for p, t in texts.items() if any(r.search(t) for r in patterns)}
        problems = [f"{g} does not state it" for g in item["gold_pages"] if page(g) not in matching]
        if len(matching) != item["pattern_page_count"]:
            print(item["id"], f"note: pattern_page_count {item['pattern_page_count']}, here {len(matching)}")
        if problems:
            bad += 1
            print(item["id"], "; ".join(problems))
    print(f"{bad} items with problems")
    sys.exit(1 if bad else 0)


main()
