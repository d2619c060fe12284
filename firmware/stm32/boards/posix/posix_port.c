/* POSIX board: port.h glue (UART = pty master, clock, identity, reset, idle). */
#define _GNU_SOURCE
#include "port.h"
#include "posix_board.h"
#include "posix_clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *g_device_id = "posix-sim";
static const char *g_board_name = POSIX_BOARD_NAME;
static sigjmp_buf *g_reset_env;
static int g_sigpipe[2] = {-1, -1};
static volatile sig_atomic_t g_stop_signal;
static volatile sig_atomic_t g_reset_requested;

void posix_port_set_device_id(const char *id)
{
    g_device_id = id;
}

void posix_port_set_board_name(const char *name)
{
    g_board_name = name;
}

void posix_port_set_reset_target(sigjmp_buf *env)
{
    g_reset_env = env;
}

void posix_port_restart_clock(void)
{
    posix_clock_restart();
}

int posix_port_stop_signal(void)
{
    return (int)g_stop_signal;
}

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGUSR1) {
        g_reset_requested = 1;
    } else {
        g_stop_signal = sig;
    }
    if (g_sigpipe[1] >= 0) {
        char c = 1;
        ssize_t r = write(g_sigpipe[1], &c, 1);
        (void)r;
    }
    errno = saved;
}

void posix_port_wake(void)
{
    if (g_sigpipe[1] >= 0) {
        char c = 2;
        ssize_t r = write(g_sigpipe[1], &c, 1); /* a full pipe already wakes it */
        (void)r;
    }
}

int posix_port_install_signals(char *err, size_t errlen)
{
    if (pipe2(g_sigpipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe2: %s", strerror(errno));
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        if (sigaction(sigs[i], &sa, NULL) != 0) {
            snprintf(err, errlen, "sigaction: %s", strerror(errno));
            return -1;
        }
    }
    signal(SIGPIPE, SIG_IGN); /* a host that closes our stderr must not kill us */
    return 0;
}

/* ------------------------------------------------------------ port.h -- */

/* Line-rate emulation (--baud): a pty moves bytes as fast as memory does, a
 * UART at baud/10 bytes per second (8N1). Each direction has a timeline of
 * when its line is next free, and a DMA ring of UART_RING_BYTES: received
 * bytes that waited in the pty count as already arrived up to the ring's size,
 * and the app blocks on transmit only when it is a ring ahead of the line.
 * The line runs on the board's clock (posix_clock.h): with --clock cpu a byte
 * still takes 10/baud s of device time, and time spent blocked on the line
 * counts as a wait (what was asked for, not what a loaded host made of it). */
#define UART_RING_BYTES 1024u

static uint64_t g_byte_ns;  /* 0: not paced */
static uint64_t g_rx_line_ns;
static uint64_t g_tx_line_ns;
static bool g_rx_streaming;

void posix_port_set_baud(uint32_t baud)
{
    g_byte_ns = baud == 0 ? 0 : 10000000000ull / baud;
    g_rx_line_ns = g_tx_line_ns = 0;
}

size_t port_uart_read(uint8_t *buf, size_t cap)
{
    if (g_byte_ns == 0) {
        return posix_pty_read(buf, cap);
    }
    /* Take at most a ring's worth, then wait for the line to have carried it. */
    size_t n = posix_pty_read(buf, cap < UART_RING_BYTES ? cap : UART_RING_BYTES);
    if (n == 0) {
        g_rx_streaming = false; /* the line went idle */
        return 0;
    }
    uint64_t now = posix_clock_now_ns();
    uint64_t ring_ns = UART_RING_BYTES * g_byte_ns;
    if (!g_rx_streaming) {
        g_rx_line_ns = now; /* bytes after an idle line start arriving now */
    } else if (g_rx_line_ns + ring_ns < now) {
        g_rx_line_ns = now - ring_ns; /* mid-stream, the ring filled while the app was busy */
    }
    g_rx_streaming = true;
    g_rx_line_ns += n * g_byte_ns;
    posix_clock_sleep_until(g_rx_line_ns);
    return n;
}

void port_uart_write(const uint8_t *data, size_t len)
{
    if (g_byte_ns != 0) {
        uint64_t now = posix_clock_now_ns();
        if (g_tx_line_ns < now) {
            g_tx_line_ns = now;
        }
        g_tx_line_ns += len * g_byte_ns;
        uint64_t ring_ns = UART_RING_BYTES * g_byte_ns;
        if (g_tx_line_ns > now + ring_ns) {
            posix_clock_sleep_until(g_tx_line_ns - ring_ns);
        }
    }
    posix_pty_write(data, len);
}

uint64_t port_ticks(void)
{
    return posix_clock_now_ns(); /* POSIX_CLOCK_HZ is 1 GHz: ticks are ns */
}

uint64_t port_clock_hz(void)
{
    return POSIX_CLOCK_HZ;
}

const char *port_device_id(void)
{
    return g_device_id;
}

const char *port_board_name(void)
{
    return g_board_name;
}

_Noreturn void port_reset(void)
{
    fprintf(stderr, "rtinfer-sim: reset\n");
    g_reset_requested = 0;
    if (g_reset_env != NULL) {
        siglongjmp(*g_reset_env, 1);
    }
    /* No reset target: nothing sensible to restart; stop hard. */
    _exit(70);
}

bool port_idle(uint32_t timeout_us)
{
    if (g_stop_signal == 0 && g_reset_requested == 0) {
        struct pollfd p[2] = {
            {posix_pty_master_fd(), POLLIN, 0},
            {g_sigpipe[0], POLLIN, 0},
        };
        /* ppoll, not poll: to the µs, so a release waited for is not rounded up to the next ms. */
        uint64_t asked_ns = timeout_us == PORT_IDLE_FOREVER ? POSIX_CLOCK_WAIT_UNBOUNDED : (uint64_t)timeout_us * 1000u;
        struct timespec timeout = {(time_t)(timeout_us / 1000000u), (long)(timeout_us % 1000000u) * 1000L};
        posix_clock_wait_t waiting = posix_clock_wait_begin();
        int n = ppoll(p, 2, timeout_us == PORT_IDLE_FOREVER ? NULL : &timeout, NULL);
        posix_clock_wait_end(&waiting, asked_ns);
        if (n > 0 && (p[1].revents & POLLIN)) {
            char buf[64];
            while (read(g_sigpipe[0], buf, sizeof buf) > 0) {
            }
        }
        if (n > 0 && (p[0].revents & (POLLHUP | POLLERR)) && !(p[0].revents & POLLIN)) {
            /* No slave open (should not happen: we hold one). Avoid spinning. */
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (g_stop_signal != 0) {
        return false;
    }
    if (g_reset_requested != 0) {
        port_reset();
    }
    return true;
}
