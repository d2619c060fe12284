/*
 * What a board folder provides to the shared STM32 code (stm32_common), and
 * what the shared code offers the boards. Not part of port.h: the portable
 * app never sees this.
 */
#ifndef RTINFER_STM32_BOARD_H
#define RTINFER_STM32_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port.h"

typedef struct {
    uint32_t sysclk_hz;    /* core clock: SysTick/DWT count at this rate */
    uint32_t uart_pclk_hz; /* the APB clock of the link USART (baud divisor) */
} stm32_clocks_t;

typedef struct {
    const char *name;        /* HELLO `board` */
    const char *id_prefix;   /* device_id = prefix + 24 hex digits of the UID */
    uintptr_t uid_addr;      /* 96-bit unique device id (3 words); 0: none readable */
    uintptr_t host_id_addr;  /* uid_addr 0: where a host may put {id, magic} (stm32_identity.c) */
    uintptr_t uart_base;     /* link USART */
    uint8_t uart_irq;
    uint32_t uart_baud;
} stm32_board_info_t;

/* ---- provided by each board (boards/<name>/board.c) ---- */
extern const stm32_board_info_t g_board;
/* Brings the clocks up (HSE/PLL where the board has them) and reports them. */
stm32_clocks_t board_clock_init(void);
/* Clocks the link's GPIO port and puts its pins in their USART function. */
void board_uart_pins_init(void);
/* Prepares storage at boot (RAM storage: format after power-on). */
void board_storage_init(void);

/* ---- provided by stm32_common ---- */
/* Link USART with an interrupt-driven RX ring (stm32_usart_v1.c / _v2.c). */
void stm32_uart_init(uintptr_t base, uint8_t irq, uint32_t pclk_hz, uint32_t baud);
size_t stm32_uart_read(uint8_t *buf, size_t cap);
void stm32_uart_write(const uint8_t *data, size_t len);
void stm32_uart_flush(void); /* waits until the last byte has left the shift register */
bool stm32_uart_rx_pending(void);
void stm32_uart_isr(void); /* the board's USARTn_IRQHandler calls this */
/* Tick source (stm32_ticks_dwt.c or stm32_ticks_systick.c); starts SysTick at
 * STM32_WAKE_HZ as the periodic wake-up for port_idle(). */
#define STM32_WAKE_HZ 100u
void stm32_ticks_init(uint32_t sysclk_hz);
/* GPIO: pin `pin` of port `port_base` to alternate function `af`, push-pull, very high speed. */
void stm32_gpio_af(uintptr_t port_base, unsigned pin, unsigned af);

#endif
