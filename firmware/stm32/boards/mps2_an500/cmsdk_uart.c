/*
 * The link on the MPS2: the CMSDK APB UART (ARM DDI 0479C, Cortex-M System
 * Design Kit TRM §4.3: DATA, STATE, CTRL, INTSTATUS/INTCLEAR, BAUDDIV),
 * behind the same stm32_uart_* calls as the STM32 USARTs (stm32_board.h), so
 * stm32_port.c serves this board unchanged. 8N1 is fixed in this UART. RX by
 * interrupt into the ring, TX polled.
 *
 * The UART holds one received byte. QEMU's model (hw/char/cmsdk-apb-uart.c)
 * takes the next byte from the pty only once DATA has been read, so under
 * QEMU nothing overruns; real hardware would set RXOVERRUN, counted below as
 * dropped bytes (the framing layer copes, port.h).
 */
#include "stm32_board.h"
#include "stm32_regs.h"
#include "stm32_uart_ring.h"

#define UART_DATA(b) REG32((b) + 0x00u)
#define UART_STATE(b) REG32((b) + 0x04u)
#define UART_CTRL(b) REG32((b) + 0x08u)
#define UART_INTCLEAR(b) REG32((b) + 0x0Cu) /* reads as INTSTATUS; write 1 to clear */
#define UART_BAUDDIV(b) REG32((b) + 0x10u)
#define STATE_TXFULL (1u << 0)
#define STATE_RXFULL (1u << 1)
#define STATE_RXOVERRUN (1u << 3) /* write 1 to clear */
#define CTRL_TX_EN (1u << 0)
#define CTRL_RX_EN (1u << 1)
#define CTRL_RX_INTEN (1u << 3)
#define INT_RX (1u << 1)
#define BAUDDIV_MIN 16u /* DDI 0479C §4.3.3: smaller values are not valid */

static uintptr_t s_base;
static uart_ring_t s_rx;

void stm32_uart_init(uintptr_t base, uint8_t irq, uint32_t pclk_hz, uint32_t baud)
{
    s_base = base;
    s_rx.head = s_rx.tail = s_rx.dropped = 0;
    UART_CTRL(base) = 0u;
    uint32_t div = (pclk_hz + baud / 2u) / baud; /* 25 MHz / 115200: 217 */
    UART_BAUDDIV(base) = div < BAUDDIV_MIN ? BAUDDIV_MIN : div;
    UART_INTCLEAR(base) = 0xFu;
    UART_CTRL(base) = CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_INTEN;
    NVIC_IPR8(irq) = 0x40u; /* above SysTick, as on the STM32 boards */
    NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
}

void stm32_uart_isr(void)
{
    /* The RX interrupt stays raised until cleared, whether or not DATA was
     * read: clear it first, then drain, so that a byte arriving after the
     * clear raises it again rather than being left behind. */
    UART_INTCLEAR(s_base) = INT_RX;
    uint32_t state = UART_STATE(s_base);
    if (state & STATE_RXOVERRUN) {
        UART_STATE(s_base) = STATE_RXOVERRUN;
        s_rx.dropped++;
    }
    while (UART_STATE(s_base) & STATE_RXFULL) {
        uart_ring_put(&s_rx, (uint8_t)UART_DATA(s_base));
    }
}

size_t stm32_uart_read(uint8_t *buf, size_t cap)
{
    return uart_ring_get(&s_rx, buf, cap);
}

bool stm32_uart_rx_pending(void)
{
    return !uart_ring_empty(&s_rx);
}

void stm32_uart_write(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while (UART_STATE(s_base) & STATE_TXFULL) {
        }
        UART_DATA(s_base) = data[i];
    }
}

/* The CMSDK UART reports no "shift register empty": TXFULL clear means the
 * last byte has been taken from the buffer, which under QEMU means it was
 * handed to the pty. On hardware one byte time may remain. */
void stm32_uart_flush(void)
{
    while (UART_STATE(s_base) & STATE_TXFULL) {
    }
}
