#!/usr/bin/python3
"""What each library contributes to a statically linked program, from its GNU ld link map.

`make static` writes build/static-obj/bin/<program>.map; this sums the bytes of every
input section that ends up in the file (code, read-only data, unwind tables, data; not
.bss, not debug information) by the archive it came from, so the table says what each
library costs. With link-time optimisation attestd's own code (with the Boost, libstdc++
and JsonCpp templates it instantiates) is compiled at link time into partitions named
*.ltrans*.o: they are shown as "attestd (LTO)".

Usage: scripts/size_report.py MAP [--objects]   (--objects: by object file, not library)
"""
import collections
import re
import sys

# Output sections that take no room in the file, or are dropped by strip.
SKIPPED = re.compile(r"^(\.bss|\.tbss|\.debug.*|\.comment|\.symtab|\.strtab|\.shstrtab|\.note\.gnu\.build-id)$")
INPUT = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
INPUT_NAME_ONLY = re.compile(r"^ (\S+)$")
INPUT_CONTINUED = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
OUTPUT = re.compile(r"^(\S+)(\s|$)")


def owner(path, by_object):
    member = re.search(r"([^/]+\.a)\(([^)]*)\)$", path)
    if member:
        return f"{member.group(1)}:{member.group(2)}" if by_object else member.group(1)
    name = path.rsplit("/", 1)[-1]
    if ".ltrans" in name and not by_object:
        return "attestd (LTO)"
    return name


def kind(section):
    for prefix, label in ((".text", "code"), (".rodata", "rodata"), (".eh_frame", "unwind"),
                          (".gcc_except_table", "unwind")):
        if section.startswith(prefix):
            return label
    return "data"


def sizes(map_text, by_object):
    lines = map_text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Linker script and memory map"))
    totals = collections.defaultdict(collections.Counter)
    output, pending = None, None
    for line in lines[start + 1:]:
        if line.startswith("/DISCARD/"):
            break
        if line and not line.startswith(" "):
            m = OUTPUT.match(line)
            output = m.group(1) if m else output
            continue
        m = INPUT.match(line)
        if m:
            section, size, path = m.group(1), int(m.group(3), 16), m.group(4)
            pending = None
        elif INPUT_NAME_ONLY.match(line):
            pending = INPUT_NAME_ONLY.match(line).group(1)
            continue
        elif pending and INPUT_CONTINUED.match(line):
            m = INPUT_CONTINUED.match(line)
            section, size, path = pending, int(m.group(2), 16), m.group(3)
            pending = None
        else:
            pending = None
            continue
        if size == 0 or output is None or SKIPPED.match(output) or path.startswith("load address"):
            continue
        totals[owner(path, by_object)][kind(output)] += size
    return totals


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    totals = sizes(open(sys.argv[1]).read(), "--objects" in sys.argv[2:])
    kib = lambda n: f"{n / 1024:8.0f}"
    print(f"{'library':36} {'KiB':>8} {'code':>8} {'rodata':>8} {'unwind':>8} {'data':>8}")
    rows = sorted(totals.items(), key=lambda kv: -sum(kv[1].values()))
    for name, parts in rows:
        total = sum(parts.values())
        if total < 512:
            continue
        print(f"{name:36} {kib(total)} {kib(parts['code'])} {kib(parts['rodata'])} "
              f"{kib(parts['unwind'])} {kib(parts['data'])}")
    print(f"{'total':36} {kib(sum(sum(p.values()) for p in totals.values()))}")


if __name__ == "__main__":
    main()
