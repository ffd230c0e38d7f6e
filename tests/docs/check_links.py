#!/usr/bin/env python3
"""Every relative link of the project's Markdown documentation resolves.

Checks README.md, docs/*.md and kernel/README.md under SOURCE_DIR: a link
[text](path) must name an existing file or directory (relative to the page
that holds it), and a link with #anchor into a Markdown page must name one
of that page's headings, as GitHub turns a heading into an anchor. Links
with a scheme (https:, mailto:) are not followed: they are not ours to keep.

usage: check_links.py SOURCE_DIR
Exit 0 when every link resolves, 1 naming each one that does not, 2 on a
usage error.
"""

import os
import re
import sys

LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]*)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def pages(source_dir):
    found = [os.path.join(source_dir, "README.md"), os.path.join(source_dir, "kernel", "README.md")]
    docs = os.path.join(source_dir, "docs")
    found += sorted(os.path.join(docs, n) for n in os.listdir(docs) if n.endswith(".md"))
    return found


def prose_lines(text):
    """(line number, line) outside fenced and indented code blocks, with
    inline code spans removed: a bracket in code is not a link."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced or line.startswith("    ") or line.startswith("\t"):
            continue
        yield number, re.sub(r"`[^`]*`", "", line)


def prose_lines_keep_code(text):
    """Like prose_lines, but headings keep their code spans (they count in
    the anchor)."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def anchor_of(heading):
    """GitHub's anchor for a heading: its text without Markdown marks,
    lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


_anchors_of_page = {}


def anchors(path):
    cache = _anchors_of_page
    if path not in cache:
        seen = {}
        names = set()
        with open(path, encoding="utf-8") as page:
            for _, line in prose_lines_keep_code(page.read()):
                match = HEADING.match(line)
                if not match:
                    continue
                name = anchor_of(match.group(2))
                count = seen.get(name, 0)
                seen[name] = count + 1
                names.add(name if count == 0 else f"{name}-{count}")
        cache[path] = names
    return cache[path]


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: check_links.py SOURCE_DIR", file=sys.stderr)
        return 2
    source_dir = argv[1]
    broken = 0
    checked = 0
    for page in pages(source_dir):
        with open(page, encoding="utf-8") as f:
            text = f.read()
        where = os.path.relpath(page, source_dir)
        for number, line in prose_lines(text):
            for target in LINK.findall(line):
                if SCHEME.match(target):
                    continue
                checked += 1
                path, _, anchor = target.partition("#")
                resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
                if not os.path.exists(resolved):
                    print(f"{where}:{number}: {target}: no such file {os.path.relpath(resolved, source_dir)}")
                    broken += 1
                elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                    print(f"{where}:{number}: {target}: no heading #{anchor} in "
                          f"{os.path.relpath(resolved, source_dir)}")
                    broken += 1
    if checked == 0:
        print("no relative link found: the pages were not read")
        return 1
    print(f"{checked} relative links checked, {broken} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
