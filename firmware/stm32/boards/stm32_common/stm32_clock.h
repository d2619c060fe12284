/* PLL bring-up shared by the F4/F7 boards (stm32_clock.c). */
#ifndef RTINFER_STM32_CLOCK_H
#define RTINFER_STM32_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "stm32_board.h"

typedef struct {
    uint32_t hse_hz;     /* board oscillator */
    bool hse_bypass;     /* external clock (e.g. ST-LINK MCO) rather than a crystal */
    uint8_t pllm_hse;    /* M for HSE (VCO input 1-2 MHz; 2 MHz for least jitter) */
    uint8_t pllm_hsi;    /* M for the 16 MHz HSI fallback, same VCO input */
    uint16_t plln;
    uint8_t pllp;        /* 2, 4, 6 or 8 */
    uint8_t pllq;        /* 2..15 */
    uint8_t pllr;        /* 2..7 on parts with PLLR (F469, F7), else 0 */
    uint8_t flash_latency;
    uint32_t flash_acr_extra; /* prefetch/caches/ART bits for FLASH_ACR */
    bool overdrive;      /* needed above 168 MHz (F42x/F469) / 180 MHz (F7) */
} stm32_pll_config_t;

/* Runs the core from the PLL fed by the HSE (or, if the HSE does not start,
 * by the HSI, so that a board with a missing or unsoldered clock still
 * comes up at the same speed), with APB1 = SYSCLK/4 and APB2 = SYSCLK/2.
 * Returns SYSCLK and the APB clock of `uart_on_apb2 ? APB2 : APB1`. */
stm32_clocks_t stm32_clock_pll(const stm32_pll_config_t *cfg, bool uart_on_apb2);

#endif
