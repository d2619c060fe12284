/*
 * SYSCLK from the main PLL, following the sequence of RM0090 §5.1.4 /
 * RM0386 §5.1.4 / RM0385 §4.1.4 (entering over-drive):
 *   PWR clock on, voltage scale 1 (PLL still off) -> HSE on -> PLL configured
 *   and on -> over-drive on, then switched -> flash wait states -> bus
 *   prescalers -> SYSCLK switched to the PLL.
 * Wait states go up before the clock does (RM0090 §3.5.1).
 */
#include "stm32_clock.h"
#include "stm32_regs.h"

#define HSI_HZ 16000000u
#define HSE_STARTUP_SPINS 500000u /* ~0.2 s on the 16 MHz HSI; a crystal needs ~2 ms */

static bool wait_set(volatile uint32_t *reg, uint32_t bit, uint32_t spins)
{
    while ((*reg & bit) == 0u) {
        if (spins-- == 0u) {
            return false;
        }
    }
    return true;
}

stm32_clocks_t stm32_clock_pll(const stm32_pll_config_t *cfg, bool uart_on_apb2)
{
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR; /* read back: the clock is on before PWR is written (errata ES0206 2.2.x) */
    PWR_CR |= PWR_CR_VOS_SCALE1;

    if (cfg->hse_bypass) {
        RCC_CR |= RCC_CR_HSEBYP; /* writable only while the HSE is off (RM0385 §5.3.1) */
    }
    RCC_CR |= RCC_CR_HSEON;
    bool hse = wait_set(&RCC_CR, RCC_CR_HSERDY, HSE_STARTUP_SPINS);
    uint32_t src_hz = hse ? cfg->hse_hz : HSI_HZ;
    uint32_t m = hse ? cfg->pllm_hse : cfg->pllm_hsi;
    if (!hse) {
        RCC_CR &= ~(RCC_CR_HSEON | RCC_CR_HSEBYP);
    }

    RCC_PLLCFGR = RCC_PLLCFGR_M(m) | RCC_PLLCFGR_N(cfg->plln) | RCC_PLLCFGR_P(cfg->pllp) |
                  RCC_PLLCFGR_Q(cfg->pllq) | RCC_PLLCFGR_R(cfg->pllr) | (hse ? RCC_PLLCFGR_SRC_HSE : 0u);
    RCC_CR |= RCC_CR_PLLON;
    (void)wait_set(&RCC_CR, RCC_CR_PLLRDY, UINT32_MAX);

    if (cfg->overdrive) {
        PWR_CR |= PWR_CR_ODEN;
        (void)wait_set(&PWR_CSR, PWR_CSR_ODRDY, UINT32_MAX);
        PWR_CR |= PWR_CR_ODSWEN;
        (void)wait_set(&PWR_CSR, PWR_CSR_ODSWRDY, UINT32_MAX);
    }

    FLASH_ACR = cfg->flash_latency | cfg->flash_acr_extra;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != cfg->flash_latency) {
    }

    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2; /* AHB /1 */
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL) {
    }

    uint32_t sysclk = src_hz / m * cfg->plln / cfg->pllp;
    return (stm32_clocks_t){sysclk, uart_on_apb2 ? sysclk / 2u : sysclk / 4u};
}
