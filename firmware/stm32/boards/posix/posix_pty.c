/*
 * POSIX board: the link is the master side of a pseudo-terminal.
 *
 * Both sides are put in raw mode (cfmakeraw) and the board keeps one fd on
 * the slave open for the life of the process, so that
 *  - the slave's line discipline is raw before any host opens it: no echo,
 *    no CR/NL mapping, no signal characters, whatever the host does;
 *  - the terminal's settings survive hosts closing and reopening the slave;
 *  - reading the master never returns EIO (that happens when the last slave
 *    fd closes); should it happen anyway it is treated as "no data".
 * Bytes written while no host has the slave open wait in the pty's buffer
 * (hosts flush stale input when they open, SPEC §4.1).
 */
#define _GNU_SOURCE
#include "posix_board.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* A write that makes no progress for this long is abandoned (no reader). */
#define STALL_MS 500

static struct {
    int master;
    int slave;
    char slave_path[256];
    uint64_t dropped;
    int warned;
    int resync; /* bytes were dropped: start the next write with a 0x00 */
} g_pty = {-1, -1, {0}, 0u, 0, 0};

static int set_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0) {
        return -1;
    }
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &t);
}

int posix_pty_open(char *err, size_t errlen)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        snprintf(err, errlen, "posix_openpt: %s", strerror(errno));
        return -1;
    }
    if (grantpt(m) != 0 || unlockpt(m) != 0) {
        snprintf(err, errlen, "grantpt/unlockpt: %s", strerror(errno));
        close(m);
        return -1;
    }
    if (ptsname_r(m, g_pty.slave_path, sizeof g_pty.slave_path) != 0) {
        snprintf(err, errlen, "ptsname: %s", strerror(errno));
        close(m);
        return -1;
    }
    (void)fcntl(m, F_SETFD, FD_CLOEXEC);
    int fl = fcntl(m, F_GETFL);
    if (fl < 0 || fcntl(m, F_SETFL, fl | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "fcntl(O_NONBLOCK): %s", strerror(errno));
        close(m);
        return -1;
    }
    int s = open(g_pty.slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (s < 0) {
        snprintf(err, errlen, "open %s: %s", g_pty.slave_path, strerror(errno));
        close(m);
        return -1;
    }
    if (set_raw(s) != 0) {
        snprintf(err, errlen, "raw mode on %s: %s", g_pty.slave_path, strerror(errno));
        close(s);
        close(m);
        return -1;
    }
    (void)set_raw(m); /* the master's termios is raw already on Linux */
    g_pty.master = m;
    g_pty.slave = s;
    return 0;
}

void posix_pty_close(void)
{
    if (g_pty.slave >= 0) {
        close(g_pty.slave);
        g_pty.slave = -1;
    }
    if (g_pty.master >= 0) {
        close(g_pty.master);
        g_pty.master = -1;
    }
}

int posix_pty_master_fd(void)
{
    return g_pty.master;
}

const char *posix_pty_slave_path(void)
{
    return g_pty.slave_path;
}

uint64_t posix_pty_dropped(void)
{
    return g_pty.dropped;
}

size_t posix_pty_read(uint8_t *buf, size_t cap)
{
    if (g_pty.master < 0 || cap == 0) {
        return 0;
    }
    for (;;) {
        ssize_t n = read(g_pty.master, buf, cap);
        if (n > 0) {
            return (size_t)n;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        /* 0, EAGAIN: nothing. EIO: no slave open; nothing either. */
        return 0;
    }
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static size_t write_some(const uint8_t *data, size_t len);

void posix_pty_write(const uint8_t *data, size_t len)
{
    if (g_pty.master < 0) {
        g_pty.dropped += len;
        return;
    }
    if (g_pty.resync) {
        /* The peer got a truncated frame: terminate it so that this write
         * does not get glued onto it (SPEC §2.2 allows extra 0x00). */
        static const uint8_t zero = 0;
        if (write_some(&zero, 1) != 0) {
            g_pty.dropped += len;
            return;
        }
        g_pty.resync = 0;
    }
    size_t left = write_some(data, len);
    if (left > 0) {
        g_pty.dropped += left;
        g_pty.resync = 1;
        if (!g_pty.warned) {
            g_pty.warned = 1;
            fprintf(stderr, "rtinfer-sim: pty not drained by any reader; dropping output\n");
        }
    }
}

/* Writes as much as the peer drains; returns the bytes left unwritten. */
static size_t write_some(const uint8_t *data, size_t len)
{
    uint64_t last_progress = now_ms();
    while (len > 0) {
        ssize_t n = write(g_pty.master, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            last_progress = now_ms();
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            break; /* EIO and friends: the bytes are lost, like on a dead wire */
        }
        uint64_t waited = now_ms() - last_progress;
        if (waited >= STALL_MS) {
            break;
        }
        struct pollfd p = {g_pty.master, POLLOUT, 0};
        (void)poll(&p, 1, (int)(STALL_MS - waited));
    }
    return len;
}
