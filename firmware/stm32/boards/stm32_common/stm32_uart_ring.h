/*
 * The link's RX ring: single producer (the USART interrupt), single consumer
 * (the main loop, through port_uart_read). Indices run free and are masked,
 * so head - tail is the fill level even across uint32 wrap. Bytes that find
 * the ring full are dropped and counted (the framing layer's CRC/COBS checks
 * catch the gap, port.h).
 */
#ifndef RTINFER_STM32_UART_RING_H
#define RTINFER_STM32_UART_RING_H

#include <stddef.h>
#include <stdint.h>

#include "cortex_m.h"

#ifndef STM32_UART_RX_RING
#define STM32_UART_RX_RING 2048u
#endif
_Static_assert((STM32_UART_RX_RING & (STM32_UART_RX_RING - 1u)) == 0u, "RX ring size must be a power of 2");

typedef struct {
    volatile uint32_t head; /* written by the ISR only */
    volatile uint32_t tail; /* written by the main loop only */
    volatile uint32_t dropped;
    uint8_t buf[STM32_UART_RX_RING];
} uart_ring_t;

/* ISR side. */
static inline void uart_ring_put(uart_ring_t *r, uint8_t byte)
{
    uint32_t head = r->head;
    if (head - r->tail >= STM32_UART_RX_RING) {
        r->dropped++;
        return;
    }
    r->buf[head & (STM32_UART_RX_RING - 1u)] = byte;
    cm_dsb(); /* the byte before the index that publishes it */
    r->head = head + 1u;
}

/* Main-loop side. */
static inline size_t uart_ring_get(uart_ring_t *r, uint8_t *out, size_t cap)
{
    uint32_t tail = r->tail;
    uint32_t avail = r->head - tail;
    size_t n = avail < cap ? avail : cap;
    for (size_t i = 0; i < n; i++) {
        out[i] = r->buf[(tail + i) & (STM32_UART_RX_RING - 1u)];
    }
    r->tail = tail + (uint32_t)n;
    return n;
}

static inline int uart_ring_empty(const uart_ring_t *r)
{
    return r->head == r->tail;
}

#endif
