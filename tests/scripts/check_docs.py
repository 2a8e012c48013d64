#!/usr/bin/env python3
"""Checks the documentation against the tree: every relative link in README.md
and docs/*.md resolves (the file exists; an #anchor names a heading of it),
and docs/metrics.md lists exactly the metric names the code produces.
Usage: check_docs.py SOURCE_DIR. Prints each problem; exit 1 if any."""
import glob
import os
import re
import sys

root = sys.argv[1]
problems = []

def slug(heading):
    # GitHub's anchors: lower case, punctuation dropped, spaces to hyphens.
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")

def anchors(path):
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"```.*?```", "", f.read(), flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.M)}

pages = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
for page in pages:
    with open(page, encoding="utf-8") as f:
        text = re.sub(r"```.*?```", "", f.read(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto: not ours to check offline.
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        where = os.path.relpath(page, root)
        if not os.path.exists(resolved):
            problems.append(f"{where}: link to {target}: no such file")
        elif anchor and (not resolved.endswith(".md") or anchor not in anchors(resolved)):
            problems.append(f"{where}: link to {target}: no heading #{anchor}")

# Metric names in the code: string literals that name a metric. The prefix
# itself and the program's names are not metrics.
not_metrics = {"replica_sql_", "replica_sql_exporter", "replica_sql_exporter_probe"}
in_code = set()
for source in glob.glob(os.path.join(root, "src", "**", "*.[ch]*"), recursive=True):
    with open(source, encoding="utf-8") as f:
        in_code |= set(re.findall(r'"((?:replica_sql|process)_[a-z_]*)"', f.read()))
in_code -= not_metrics
with open(os.path.join(root, "docs", "metrics.md"), encoding="utf-8") as f:
    table = [line for line in f if line.startswith("| `")]
in_docs = set()
for line in table:
    in_docs |= set(re.findall(r"`((?:replica_sql|process)_[a-z_]+)", line.split("|")[1]))
for name in sorted(in_code - in_docs):
    problems.append(f"docs/metrics.md: {name} is produced by the code but not in the table")
for name in sorted(in_docs - in_code):
    problems.append(f"docs/metrics.md: {name} is in the table but the code does not produce it")

for problem in problems:
    print(problem)
print(f"{len(pages)} pages, {len(in_code)} metric names: {len(problems)} problems")
sys.exit(1 if problems else 0)
