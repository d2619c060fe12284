#!/usr/bin/env python3
"""Writes a folder as a gzip'd newc cpio archive (the kernel's initramfs format) on stdout, with no cpio tool.

Usage: mkcpio.py DIR > initramfs.cpio.gz

Every entry is owned by root with mtime 0, in sorted order, so the same folder gives the same bytes.
Regular files, folders and symlinks only (an initramfs needs nothing else: /dev is a devtmpfs).
"""
import gzip
import os
import stat
import sys


def header(ino, mode, nlink, size, name):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name) + 1, 0]
    return b'070701' + b''.join(b'%08X' % f for f in fields) + name + b'\0'


def pad(n):
    return b'\0' * ((4 - n % 4) % 4)


def main():
    root = sys.argv[1]
    out = gzip.GzipFile(fileobj=sys.stdout.buffer, mode='wb', compresslevel=6, mtime=0)
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in dirnames + sorted(filenames):
            full = os.path.join(dirpath, name)
            entries.append(os.path.relpath(full, root))
    entries.sort()
    for ino, rel in enumerate(entries, start=1):
        full = os.path.join(root, rel)
        st = os.lstat(full)
        name = rel.encode()
        if stat.S_ISLNK(st.st_mode):
            data = os.readlink(full).encode()
            mode, nlink = stat.S_IFLNK | 0o777, 1
        elif stat.S_ISDIR(st.st_mode):
            data, mode, nlink = b'', stat.S_IFDIR | stat.S_IMODE(st.st_mode), 2
        elif stat.S_ISREG(st.st_mode):
            with open(full, 'rb') as f:
                data = f.read()
            mode, nlink = stat.S_IFREG | stat.S_IMODE(st.st_mode), 1
        else:
            sys.exit(f'mkcpio: {full} is neither a file, a folder nor a symlink')
        h = header(ino, mode, nlink, len(data), name)
        out.write(h + pad(len(h)) + data + pad(len(data)))
    trailer = header(0, 0, 1, 0, b'TRAILER!!!')
    out.write(trailer + pad(len(trailer)))
    out.close()


if __name__ == '__main__':
    main()
