/*
 * The link USART on STM32F4 (RM0090 §30.6 / RM0386 §30.6: SR, DR, BRR, CR1):
 * 8N1, RX by interrupt into the ring, TX by polling TXE. Also what QEMU's
 * stm32f2xx_usart model implements (netduinoplus2).
 */
#include "stm32_board.h"
#include "stm32_regs.h"
#include "stm32_uart_ring.h"

#define USART_SR(b) REG32((b) + 0x00u)
#define USART_DR(b) REG32((b) + 0x04u)
#define USART_BRR(b) REG32((b) + 0x08u)
#define USART_CR1(b) REG32((b) + 0x0Cu)
#define SR_ORE (1u << 3)
#define SR_RXNE (1u << 5)
#define SR_TC (1u << 6)
#define SR_TXE (1u << 7)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_RXNEIE (1u << 5) /* also raises the interrupt on ORE (§30.4: "USART interrupt requests") */
#define CR1_UE (1u << 13)

static uintptr_t s_base;
static uart_ring_t s_rx;

void stm32_uart_init(uintptr_t base, uint8_t irq, uint32_t pclk_hz, uint32_t baud)
{
    s_base = base;
    s_rx.head = s_rx.tail = s_rx.dropped = 0;
    USART_CR1(base) = 0;
    /* Oversampling by 16 (§30.3.4): USARTDIV = pclk / baud, BRR holds it in 12.4
     * fixed point, which is the rounded integer quotient. */
    USART_BRR(base) = (pclk_hz + baud / 2u) / baud;
    USART_CR1(base) = CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE;
    NVIC_IPR8(irq) = 0x40u; /* above SysTick: a byte every ~87 us at 115200 */
    NVIC_ISER(irq / 32u) = 1u << (irq % 32u);
}

void stm32_uart_isr(void)
{
    /* Reading SR then DR clears RXNE and ORE (§30.6.1). An overrun loses the
     * bytes the shift register could not hand over; the framing layer copes. */
    uint32_t sr = USART_SR(s_base);
    if (sr & (SR_RXNE | SR_ORE)) {
        uint8_t byte = (uint8_t)USART_DR(s_base);
        if (sr & SR_RXNE) {
            uart_ring_put(&s_rx, byte);
        }
        if (sr & SR_ORE) {
            s_rx.dropped++;
        }
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
        while ((USART_SR(s_base) & SR_TXE) == 0u) {
        }
        USART_DR(s_base) = data[i];
    }
}

void stm32_uart_flush(void)
{
    while ((USART_SR(s_base) & SR_TC) == 0u) {
    }
}
