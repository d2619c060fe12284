/*
 * The link USART on STM32F7 (RM0385 §34.8: CR1, BRR, ISR, ICR, RDR, TDR; a
 * different IP from the F4's): 8N1, RX by interrupt into the ring, TX by
 * polling TXE.
 */
#include "stm32_board.h"
#include "stm32_regs.h"
#include "stm32_uart_ring.h"

#define USART_CR1(b) REG32((b) + 0x00u)
#define USART_BRR(b) REG32((b) + 0x0Cu)
#define USART_ISR(b) REG32((b) + 0x1Cu)
#define USART_ICR(b) REG32((b) + 0x20u)
#define USART_RDR(b) REG32((b) + 0x24u)
#define USART_TDR(b) REG32((b) + 0x28u)
#define CR1_UE (1u << 0)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_RXNEIE (1u << 5)
#define ISR_FE (1u << 1)
#define ISR_NF (1u << 2)
#define ISR_ORE (1u << 3)
#define ISR_RXNE (1u << 5)
#define ISR_TC (1u << 6)
#define ISR_TXE (1u << 7)
#define ICR_CLEAR_ERRORS ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 3)) /* PECF FECF NCF ORECF */

static uintptr_t s_base;
static uart_ring_t s_rx;

void stm32_uart_init(uintptr_t base, uint8_t irq, uint32_t pclk_hz, uint32_t baud)
{
    s_base = base;
    s_rx.head = s_rx.tail = s_rx.dropped = 0;
    USART_CR1(base) = 0; /* UE=0: BRR is writable only while disabled */
    /* Oversampling by 16 (§34.5.4): BRR = USARTDIV = usart_ker_ck / baud,
     * rounded; the kernel clock is PCLK1 for USART3 after reset
     * (RCC_DCKCFGR2.USART3SEL = 00, RM0385 §5.3.26). */
    USART_BRR(base) = (pclk_hz + baud / 2u) / baud;
    USART_CR1(base) = CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE;
    NVIC_IPR8(irq) = 0x40u; /* above SysTick: a byte every ~87 us at 115200 */
    NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
}

void stm32_uart_isr(void)
{
    uint32_t isr = USART_ISR(s_base);
    if (isr & (ISR_ORE | ISR_FE | ISR_NF)) {
        /* Error flags stay set (and ORE keeps the interrupt asserted) until
         * cleared in ICR (§34.8.9). */
        USART_ICR(s_base) = ICR_CLEAR_ERRORS;
        if (isr & ISR_ORE) {
            s_rx.dropped++;
        }
    }
    if (isr & ISR_RXNE) {
        uart_ring_put(&s_rx, (uint8_t)USART_RDR(s_base)); /* reading RDR clears RXNE */
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
        while ((USART_ISR(s_base) & ISR_TXE) == 0u) {
        }
        USART_TDR(s_base) = data[i];
    }
}

void stm32_uart_flush(void)
{
    while ((USART_ISR(s_base) & ISR_TC) == 0u) {
    }
}
