#!/usr/bin/env python3
"""Worst-case stack depth of an MCU image from GCC's -fcallgraph-info=su files.

Usage: stack-depth.py ROOT_FUNCTION [ROOT_FUNCTION...] -- FILE.ci...
Prints the deepest call chain from each root (frame sizes summed). Indirect
calls (function pointers) and library functions without .ci files count 0,
and recursion is reported rather than followed, so the figure is a lower
bound when the notes say so. scripts/build-arm.sh shows it for main() in its
memory report (firmware/arm/CMakeLists.txt compiles with -fcallgraph-info=su).
"""
import re
import sys

node_re = re.compile(r'node: \{ title: "([^"]+)" label: "[^"]*?\\n[^"]*?(?:\\n(\d+) bytes \((\w+)[^)]*\))?"')
edge_re = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def main(argv):
    sep = argv.index('--')
    roots, files = argv[:sep], argv[sep + 1:]
    frame, calls, dynamic = {}, {}, set()
    for path in files:
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
        for name, size, kind in node_re.findall(text):
            if size:
                frame[name] = max(frame.get(name, 0), int(size))
                if kind != 'static':
                    dynamic.add(name)
        for src, dst in edge_re.findall(text):
            calls.setdefault(src, set()).add(dst)
    memo, notes = {}, set()

    def depth(fn, path):
        if fn in path:
            notes.add('recursion: ' + ' -> '.join(path[path.index(fn):] + [fn]))
            return 0, [fn]
        if fn in memo:
            return memo[fn]
        best = (0, [])
        for callee in calls.get(fn, ()):
            if callee == '__indirect_call':
                notes.add('indirect calls from ' + fn + ' (not followed)')
                continue
            d, chain = depth(callee, path + [fn])
            if d > best[0]:
                best = (d, chain)
        result = (frame.get(fn, 0) + best[0], [fn] + best[1])
        memo[fn] = result
        return result

    for root in roots:
        total, chain = depth(root, [])
        print(f'{root}: {total} bytes deepest: ' + ' -> '.join(f'{c}({frame.get(c, 0)})' for c in chain))
    for note in sorted(notes):
        print('  note: ' + note)
    for fn in sorted(dynamic):
        print(f'  note: {fn} has a dynamic frame')


if __name__ == '__main__':
    main(sys.argv[1:])
