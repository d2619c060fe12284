/*
 * End-to-end test of the real rtinfer-sim binary over its pseudo-terminal:
 * startup line, --link symlink, boot HELLO, HELLO/PING replies, the slave
 * closed and reopened several times, SIGUSR1 reset, SIGTERM -> exit 0 and
 * the symlink removed.
 *
 *   fw_sim_pty_test /path/to/rtinfer-sim
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

static tu_host_t s_host;
static tu_rx_t s_rx[8];
static uint8_t s_wire[8192];
static rtp_msg_t s_req;
static uint16_t s_seq;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int open_slave(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "open %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct termios t;
    if (tcgetattr(fd, &t) != 0) {
        perror("tcgetattr");
        close(fd);
        return -1;
    }
    cfmakeraw(&t);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &t) != 0) {
        perror("tcsetattr");
        close(fd);
        return -1;
    }
    tu_host_init(&s_host);
    return fd;
}

/* Reads until one D->H frame decodes (or timeout). Returns frames got. */
static size_t recv_frames(int fd, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline) {
            return 0;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(deadline - now));
        if (r <= 0) {
            continue;
        }
        uint8_t buf[1024];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            continue;
        }
        size_t got = tu_host_feed(&s_host, buf, (size_t)n, s_rx, 8);
        if (got > 0) {
            return got;
        }
    }
}

static void send_msg(int fd, const rtp_msg_t *m)
{
    size_t n = tu_wire_msg(m, s_seq++, s_wire, sizeof s_wire);
    CHECK(write(fd, s_wire, n) == (ssize_t)n);
}

static bool hello_exchange(int fd, uint32_t id, const char *device_id)
{
    tu_hello_req(&s_req, id, 1, 4096);
    send_msg(fd, &s_req);
    size_t got = recv_frames(fd, 3000);
    CHECK_EQ_U(got, 1);
    if (got != 1) {
        return false;
    }
    const tu_rx_t *r = &s_rx[0];
    CHECK_EQ_U(r->status, RTP_DECODE_OK);
    CHECK_EQ_U(r->msg.type, RTP_MSG_HELLO);
    CHECK_EQ_U(r->msg.id, id);
    const rtp_hello_info_t *h = &r->msg.body.hello_info;
    CHECK_EQ_U(h->proto, 1);
    CHECK_EQ_U(h->max_frame, 1024);
    CHECK(tu_str_eq(h->board, "posix_sim"));
    CHECK(tu_str_eq(h->device_id, device_id));
    CHECK_EQ_U(h->clock_hz, 1000000000ull);
    CHECK_EQ_U(h->slots, 2);
    CHECK_EQ_U(h->slot_size, 256u * 1024u - 1024u); /* less the model store's trailer */
    CHECK_EQ_U(h->caps, RTP_CAP_MODEL_STORE | RTP_CAP_DENSE | RTP_CAP_TREC | RTP_CAP_TASKSETS | RTP_CAP_TRACE | RTP_CAP_INT8);
    return true;
}

static void ping_exchange(int fd, uint32_t id)
{
    tu_ping_req(&s_req, id, 0xABCDEF0123ull + id);
    send_msg(fd, &s_req);
    size_t got = recv_frames(fd, 3000);
    CHECK_EQ_U(got, 1);
    if (got != 1) {
        return;
    }
    const tu_rx_t *r = &s_rx[0];
    CHECK_EQ_U(r->msg.type, RTP_MSG_PING);
    CHECK_EQ_U(r->msg.id, id);
    const rtp_ping_reply_t *p = &r->msg.body.ping_reply;
    CHECK_EQ_U(p->t1, 0xABCDEF0123ull + id);
    CHECK(p->t2 > 0 && p->t2 <= p->t3);
    CHECK_EQ_U(p->counter_count, 9);
    CHECK_EQ_U(r->hdr.flags & RTP_FLAG_BOOT, 0);
}

/* Waits for pid to exit; returns its status, or -1 after timeout_ms. */
static int wait_exit(pid_t pid, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    while (now_ms() < deadline) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            return st;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Runs the sim with bad arguments; returns its exit status. */
static int run_bad(const char *sim, const char *a, const char *b)
{
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        execl(sim, sim, a, b, (char *)NULL);
        _exit(127);
    }
    int st = wait_exit(pid, 5000);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s /path/to/rtinfer-sim\n", argv[0]);
        return 2;
    }
    /* Bad usage: exit 2, before any pty or storage is touched. */
    CHECK_EQ_U(run_bad(argv[1], "--bogus", NULL), 2);
    CHECK_EQ_U(run_bad(argv[1], "--max-frame", "100"), 2);
    CHECK_EQ_U(run_bad(argv[1], "--name", "no spaces"), 2);
    CHECK_EQ_U(run_bad(argv[1], "--link", NULL), 2);

    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/fw-sim-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char link_path[PATH_MAX + 16], storage[PATH_MAX + 16];
    snprintf(link_path, sizeof link_path, "%s/ttyRTINFER", dir);
    snprintf(storage, sizeof storage, "%s/flash.bin", dir);
    /* A stale symlink from an earlier run must be replaced. */
    CHECK(symlink("/dev/null-stale", link_path) == 0);

    int out[2];
    if (pipe(out) != 0) {
        perror("pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execl(argv[1], argv[1], "--link", link_path, "--name", "pty-test", "--storage", storage,
              "--max-frame", "1024", (char *)NULL);
        perror("execl");
        _exit(127);
    }
    close(out[1]);

    /* The startup line. */
    char line[1024];
    size_t len = 0;
    uint64_t deadline = now_ms() + 5000;
    while (len < sizeof line - 1 && now_ms() < deadline) {
        struct pollfd p = {out[0], POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) {
            continue;
        }
        ssize_t n = read(out[0], line + len, 1);
        if (n <= 0) {
            break;
        }
        len++;
        if (line[len - 1] == '\n') {
            break;
        }
    }
    line[len] = '\0';
    printf("startup line: %s", line);
    char pty[256] = "", lnk[PATH_MAX] = "", dev[64] = "";
    long spid = 0;
    unsigned long long hz = 0;
    int fields = sscanf(line, "RTINFER_SIM pty=%255s link=%4095s device_id=%63s pid=%ld clock_hz=%llu", pty,
                        lnk, dev, &spid, &hz);
    CHECK_EQ_U(fields, 5);
    CHECK(len > 0 && line[len - 1] == '\n');
    CHECK(strcmp(lnk, link_path) == 0);
    CHECK(strcmp(dev, "pty-test") == 0);
    CHECK_EQ_U(spid, pid);
    CHECK_EQ_U(hz, 1000000000ull);
    if (fields != 5) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return 1;
    }

    /* --link points at the pty slave. */
    char target[PATH_MAX];
    ssize_t tl = readlink(link_path, target, sizeof target - 1);
    CHECK(tl > 0);
    if (tl > 0) {
        target[tl] = '\0';
        CHECK(strcmp(target, pty) == 0);
    }

    /* First open, through the link: the boot HELLO is waiting (BOOT flag). */
    int fd = open_slave(link_path);
    CHECK(fd >= 0);
    uint32_t boot_id = 0;
    if (fd >= 0) {
        size_t got = recv_frames(fd, 3000);
        CHECK_EQ_U(got, 1);
        CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_HELLO);
        CHECK_EQ_U(s_rx[0].msg.id, 0);
        CHECK_EQ_U(s_rx[0].hdr.flags & RTP_FLAG_BOOT, RTP_FLAG_BOOT);
        boot_id = s_rx[0].msg.body.hello_info.boot_id;
        hello_exchange(fd, 1, "pty-test");
        ping_exchange(fd, 2);
        close(fd);
    }

    /* Close and reopen the slave several times: the sim keeps answering. */
    for (uint32_t i = 0; i < 4; i++) {
        fd = open_slave(pty);
        CHECK(fd >= 0);
        if (fd < 0) {
            break;
        }
        tcflush(fd, TCIOFLUSH);
        ping_exchange(fd, 10 + i);
        hello_exchange(fd, 20 + i, "pty-test");
        close(fd);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }

    /* SIGUSR1 resets the device: a new boot HELLO with BOOT and a new boot_id,
     * on the same pty. */
    fd = open_slave(pty);
    CHECK(fd >= 0);
    if (fd >= 0) {
        tcflush(fd, TCIOFLUSH);
        kill(pid, SIGUSR1);
        size_t got = recv_frames(fd, 3000);
        CHECK_EQ_U(got, 1);
        CHECK_EQ_U(s_rx[0].msg.type, RTP_MSG_HELLO);
        CHECK_EQ_U(s_rx[0].msg.id, 0);
        CHECK_EQ_U(s_rx[0].hdr.flags & RTP_FLAG_BOOT, RTP_FLAG_BOOT);
        CHECK_EQ_U(s_rx[0].hdr.seq, 0);
        CHECK(s_rx[0].msg.body.hello_info.boot_id != boot_id);
        hello_exchange(fd, 30, "pty-test");
        ping_exchange(fd, 31);
    }

    /* SIGTERM: clean exit 0, symlink gone. */
    kill(pid, SIGTERM);
    int st = wait_exit(pid, 5000);
    CHECK(st != -1);
    if (st == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    CHECK(WIFEXITED(st));
    CHECK_EQ_U(WIFEXITED(st) ? WEXITSTATUS(st) : 255, 0);
    struct stat sb;
    CHECK(lstat(link_path, &sb) != 0 && errno == ENOENT);
    if (fd >= 0) {
        close(fd);
    }
    close(out[0]);
    unlink(storage);
    unlink(link_path);
    rmdir(dir);
    printf("%s\n", tu_failures == 0 ? "ok" : "FAILED");
    return tu_failures == 0 ? 0 : 1;
}
