/* A fake board for unit tests: implements port.h (except storage, which
 * comes from the POSIX flash model on a temp file) with an injectable UART
 * input queue, captured UART output and a scripted clock. No pty. */
#ifndef RTINFER_FW_FAKE_PORT_H
#define RTINFER_FW_FAKE_PORT_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_CLOCK_HZ 1000000u
#define FAKE_DEVICE_ID "fake-dev-1"
#define FAKE_BOARD "fake_board"

void fake_port_reset_state(void);
/* Queues bytes for port_uart_read(). */
void fake_port_inject(const uint8_t *data, size_t len);
/* Largest count one port_uart_read() returns (0 = unlimited). */
void fake_port_set_read_limit(size_t n);
/* How many port_uart_read() calls returned data. */
unsigned fake_port_reads(void);
/* Captured output since the last take; returns its length. */
size_t fake_port_take_output(const uint8_t **data);
/* port_ticks() returns the current value, then advances it by step. */
void fake_port_set_ticks(uint64_t now, uint64_t step);
/* port_reset() longjmps here (and counts). */
void fake_port_set_reset_target(jmp_buf *env);
unsigned fake_port_resets(void);

#endif
