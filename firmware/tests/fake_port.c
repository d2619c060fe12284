#include "fake_port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"

static struct {
    uint8_t in[1u << 18];
    size_t in_len, in_pos;
    size_t read_limit;
    unsigned reads;
    uint8_t out[1u << 18];
    size_t out_len;
    uint64_t ticks, step;
    jmp_buf *reset_env;
    unsigned resets;
} s;

void fake_port_reset_state(void)
{
    jmp_buf *env = s.reset_env;
    memset(&s, 0, sizeof s);
    s.reset_env = env;
    s.ticks = 1000;
    s.step = 7;
}

void fake_port_inject(const uint8_t *data, size_t len)
{
    if (s.in_pos == s.in_len) {
        s.in_pos = s.in_len = 0;
    }
    if (len > sizeof s.in - s.in_len) {
        fprintf(stderr, "fake_port: input queue full\n");
        abort();
    }
    memcpy(s.in + s.in_len, data, len);
    s.in_len += len;
}

void fake_port_set_read_limit(size_t n)
{
    s.read_limit = n;
}

unsigned fake_port_reads(void)
{
    return s.reads;
}

size_t fake_port_take_output(const uint8_t **data)
{
    static uint8_t copy[sizeof s.out];
    size_t n = s.out_len;
    memcpy(copy, s.out, n);
    s.out_len = 0;
    *data = copy;
    return n;
}

void fake_port_set_ticks(uint64_t now, uint64_t step)
{
    s.ticks = now;
    s.step = step;
}

void fake_port_set_reset_target(jmp_buf *env)
{
    s.reset_env = env;
}

unsigned fake_port_resets(void)
{
    return s.resets;
}

size_t port_uart_read(uint8_t *buf, size_t cap)
{
    size_t n = s.in_len - s.in_pos;
    if (n > cap) {
        n = cap;
    }
    if (s.read_limit != 0 && n > s.read_limit) {
        n = s.read_limit;
    }
    if (n != 0) {
        memcpy(buf, s.in + s.in_pos, n);
        s.in_pos += n;
        s.reads++;
    }
    return n;
}

void port_uart_write(const uint8_t *data, size_t len)
{
    if (len > sizeof s.out - s.out_len) {
        fprintf(stderr, "fake_port: output buffer full\n");
        abort();
    }
    memcpy(s.out + s.out_len, data, len);
    s.out_len += len;
}

uint64_t port_ticks(void)
{
    uint64_t t = s.ticks;
    s.ticks += s.step;
    return t;
}

uint64_t port_clock_hz(void)
{
    return FAKE_CLOCK_HZ;
}

const char *port_device_id(void)
{
    return FAKE_DEVICE_ID;
}

const char *port_board_name(void)
{
    return FAKE_BOARD;
}

_Noreturn void port_reset(void)
{
    s.resets++;
    if (s.reset_env == NULL) {
        fprintf(stderr, "fake_port: port_reset without a target\n");
        abort();
    }
    longjmp(*s.reset_env, 1);
}

bool port_idle(uint32_t timeout_us)
{
    (void)timeout_us;
    return false;
}
