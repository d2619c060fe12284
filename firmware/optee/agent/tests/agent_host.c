/* The host's side of the agent tests: see agent_host.h. */
#define _GNU_SOURCE
#include "agent_host.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "rtinfer_nn/sha256.h"

#define REPLY_TIMEOUT_MS 60000 /* a bound for a hung agent, not a performance figure */
#define MAX_FRAMES 64

static tu_rx_t s_rx[MAX_FRAMES];
static uint8_t s_wire[70000];

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int open_raw(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios t;
    if (fd < 0 || tcgetattr(fd, &t) != 0) {
        return -1;
    }
    cfmakeraw(&t);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &t) == 0 ? fd : -1;
}

static void pty_send(agent_proc *a, const uint8_t *msg, size_t len)
{
    size_t n = tu_wire_raw(msg, len, a->seq++, s_wire, sizeof s_wire);
    const uint8_t *p = s_wire;
    while (n > 0) {
        ssize_t w = write(a->fd, p, n);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return;
        }
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        }
    }
}

static size_t pty_receive(agent_proc *a, int timeout_ms, tu_rx_t *out, size_t max)
{
    struct pollfd p = {a->fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) {
        return 0;
    }
    uint8_t buf[4096];
    ssize_t n = read(a->fd, buf, sizeof buf);
    return n > 0 ? tu_host_feed(&a->host, buf, (size_t)n, out, max) : 0;
}

const agent_link agent_pty_link = {pty_send, pty_receive};

static void send_msg(agent_proc *a, const rtp_msg_t *m)
{
    static uint8_t msg[70000];
    size_t n = rtp_msg_encode(m, msg, sizeof msg);
    if (n == 0) {
        fprintf(stderr, "a test request does not encode (type 0x%02x)\n", m->type);
        abort();
    }
    a->link->send(a, msg, n);
}

/* The first message with this id whose type is `type` or ERROR. */
static const tu_rx_t *wait_for(agent_proc *a, uint8_t type, uint32_t id)
{
    uint64_t deadline = now_ms() + REPLY_TIMEOUT_MS;
    while (now_ms() < deadline) {
        size_t got = a->link->receive(a, 100, s_rx, MAX_FRAMES);
        for (size_t i = 0; i < got && i < MAX_FRAMES; i++) {
            const rtp_msg_t *m = &s_rx[i].msg;
            a->seen[a->seen_count++ % 64u] = s_rx[i].status == RTP_DECODE_OK ? m->id : 0u;
            if (s_rx[i].status == RTP_DECODE_OK && m->type == RTP_MSG_LOG) {
                const size_t n = m->body.log.text.len < sizeof a->last_log ? m->body.log.text.len : sizeof a->last_log - 1u;
                memcpy(a->last_log, m->body.log.text.ptr, n);
                a->last_log[n] = '\0';
                a->log_count++;
            }
            if (s_rx[i].status == RTP_DECODE_OK && m->id == id && (m->type == type || m->type == RTP_MSG_ERROR)) {
                return &s_rx[i];
            }
        }
    }
    return NULL;
}

static uint8_t reply_type(uint8_t request)
{
    switch (request) {
    case RTP_MSG_MODEL_BEGIN: return RTP_MSG_MODEL_ACK;
    case RTP_MSG_MODEL_COMMIT: return RTP_MSG_MODEL_STATUS;
    case RTP_MSG_INFER: return RTP_MSG_RESULT;
    default: return request;
    }
}

const tu_rx_t *agent_request(agent_proc *a, const rtp_msg_t *m)
{
    send_msg(a, m);
    return wait_for(a, reply_type(m->type), m->id);
}

int agent_hello(agent_proc *a)
{
    rtp_msg_t hello;
    tu_hello_req(&hello, 1, 1, 4096);
    return agent_request(a, &hello) != NULL ? 0 : -1;
}

int agent_start(agent_proc *a, const char *bin, const char *const *args)
{
    const agent_link *link = a->link != NULL ? a->link : &agent_pty_link;
    void *link_state = a->link_state;
    memset(a, 0, sizeof *a);
    a->link = link;
    a->link_state = link_state;
    a->fd = -1;
    int out[2];
    if (pipe(out) != 0) {
        return -1;
    }
    const char *argv[24] = {bin};
    size_t n = 1;
    for (; args != NULL && args[n - 1] != NULL && n < 23; n++) {
        argv[n] = args[n - 1];
    }
    argv[n] = NULL;
    a->pid = fork();
    if (a->pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    char line[1024];
    size_t len = 0;
    while (len + 1 < sizeof line) {
        ssize_t r = read(out[0], line + len, 1);
        if (r <= 0 || line[len] == '\n') {
            break;
        }
        len++;
    }
    line[len] = '\0';
    close(out[0]);
    if (sscanf(line, "RTINFER_AGENT pty=%255s", a->pty) != 1) {
        fprintf(stderr, "no startup line from %s: \"%s\"\n", bin, line);
        agent_stop(a);
        return -1;
    }
    const char *k = strstr(line, "tee_key_sha256=");
    const char *h = strstr(line, "tee_heap=");
    if (k == NULL || h == NULL || sscanf(k, "tee_key_sha256=%64s", a->key_sha256_hex) != 1) {
        fprintf(stderr, "startup line without the TEE facts: \"%s\"\n", line);
        agent_stop(a);
        return -1;
    }
    a->tee_heap = strtoul(h + strlen("tee_heap="), NULL, 10);
    a->fd = open_raw(a->pty);
    if (a->fd < 0) {
        agent_stop(a);
        return -1;
    }
    tu_host_init(&a->host);
    return a->link == &agent_pty_link ? agent_hello(a) : 0;
}

int agent_stop(agent_proc *a)
{
    if (a->fd >= 0) {
        close(a->fd);
        a->fd = -1;
    }
    if (a->pid <= 0) {
        return -1;
    }
    kill(a->pid, SIGTERM);
    uint64_t deadline = now_ms() + 10000;
    int status = -1;
    while (now_ms() < deadline) {
        if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
            a->pid = 0;
            return status;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(a->pid, SIGKILL);
    waitpid(a->pid, &status, 0);
    a->pid = 0;
    return -1;
}

const tu_rx_t *agent_request_raw(agent_proc *a, const uint8_t *msg, size_t len, uint8_t type, uint32_t id)
{
    a->link->send(a, msg, len);
    return wait_for(a, reply_type(type), id);
}

const tu_rx_t *agent_push(agent_proc *a, const uint8_t *bytes, size_t length, uint8_t slot, const char *model_id)
{
    return agent_push_with(a, bytes, length, slot, model_id, NULL);
}

/* SHA-256 of a sealed container's header bytes (CONTAINER.md §7.1: magic, a byte-string head, the header). */
static void sealed_header_sha256(const uint8_t *bytes, size_t length, uint8_t out[32])
{
    size_t start = bytes[3] == 0x58 ? 5u : 6u;
    size_t len = bytes[3] == 0x58 ? bytes[4] : ((size_t)bytes[4] << 8 | bytes[5]);
    rtm_sha256 hash;
    rtm_sha256_init(&hash);
    rtm_sha256_update(&hash, bytes + start, start + len <= length ? len : 0);
    rtm_sha256_final(&hash, out);
}

const tu_rx_t *agent_push_with(agent_proc *a, const uint8_t *bytes, size_t length, uint8_t slot, const char *model_id,
                               agent_push_opts *o)
{
    static rtp_msg_t m;
    static uint32_t id = 100;
    static const agent_push_opts plain = {0};
    const agent_push_opts *opts = o != NULL ? o : &plain;
    uint8_t sha[32], header_sha[32];
    rtm_sha256 hash;
    rtm_sha256_init(&hash);
    rtm_sha256_update(&hash, bytes, length);
    rtm_sha256_final(&hash, sha);
    sealed_header_sha256(bytes, length, header_sha);
    memset(&m, 0, sizeof m);
    m.dir = RTP_DIR_H2D;
    m.type = RTP_MSG_MODEL_BEGIN;
    m.id = ++id;
    m.body.model_begin = (rtp_model_begin_t){.model_id = {model_id, strlen(model_id)}, .size = (uint32_t)length,
                                             .has_slot = true, .slot = slot, .chunk = 3072, .window = 8};
    if (opts->header_form) {
        m.body.model_begin.has_header_sha256 = true;
        m.body.model_begin.header_sha256 = (rtp_bytes_t){header_sha, 32};
    } else {
        m.body.model_begin.has_sha256 = true;
        m.body.model_begin.sha256 = (rtp_bytes_t){sha, 32};
    }
    const tu_rx_t *r = agent_request(a, &m);
    if (r == NULL || r->msg.type == RTP_MSG_ERROR) {
        return r;
    }
    if (o != NULL) {
        o->begun_at = r->msg.body.model_ack.next;
    }
    const uint32_t chunk = r->msg.body.model_ack.chunk;
    uint32_t sent = 0;
    for (uint32_t offset = r->msg.body.model_ack.next; offset < length; offset += chunk, sent++) {
        if (opts->stop_at != 0 && offset >= opts->stop_at) {
            return r; /* a cut: the last ACK (or BEGIN's) stays the answer */
        }
        uint32_t n = length - offset < chunk ? (uint32_t)(length - offset) : chunk;
        memset(&m, 0, sizeof m);
        m.dir = RTP_DIR_H2D;
        m.type = RTP_MSG_MODEL_CHUNK;
        m.body.model_chunk = (rtp_model_chunk_t){.slot = slot, .offset = offset, .data = {bytes + offset, n}};
        send_msg(a, &m);
        /* The device acknowledges every second chunk and the last (SPEC §4.3): wait for it, one window at a time. */
        if (sent % 2 == 1 || offset + n == length) {
            const tu_rx_t *ack = wait_for(a, RTP_MSG_MODEL_ACK, 0);
            if (ack == NULL || ack->msg.type == RTP_MSG_ERROR) {
                return ack;
            }
            r = ack;
        }
    }
    memset(&m, 0, sizeof m);
    m.dir = RTP_DIR_H2D;
    m.type = RTP_MSG_MODEL_COMMIT;
    m.id = ++id;
    m.body.model_commit.slot = slot;
    if (opts->header_form && !opts->commit_without_sha) {
        m.body.model_commit.has_sha256 = true;
        m.body.model_commit.sha256 = (rtp_bytes_t){opts->commit_sha256 != NULL ? opts->commit_sha256 : sha, 32};
    }
    return agent_request(a, &m);
}
