/*
 * port_ticks() on Cortex-M4F/M7 boards: the DWT cycle counter (ARMv7-M C1.8.8),
 * counting core clock cycles, extended from 32 to 64 bits in software.
 *
 * CYCCNT wraps every 2^32 cycles (19.9 s at 216 MHz). extend() folds each
 * wrap into the high word; it runs with interrupts masked from port_ticks()
 * and from the SysTick interrupt at STM32_WAKE_HZ, so it sees the counter at
 * least every 10 ms and can never miss a wrap, even when the app idles in
 * WFI for minutes. SysTick also wakes port_idle() (stm32_port.c).
 */
#include "cortex_m.h"
#include "port.h"
#include "stm32_board.h"
#include "stm32_regs.h"

static uint32_t s_sysclk_hz = 1u;
static uint32_t s_last;   /* CYCCNT at the previous extend() */
static uint32_t s_high;   /* wraps seen */

static uint64_t extend(void)
{
    uint32_t now = DWT_CYCCNT;
    if (now < s_last) {
        s_high++;
    }
    s_last = now;
    return ((uint64_t)s_high << 32) | now;
}

void SysTick_Handler(void)
{
    uint32_t primask = cm_irq_save(); /* the UART interrupt may preempt us; keep extend() atomic */
    (void)extend();
    cm_irq_restore(primask);
}

void stm32_ticks_init(uint32_t sysclk_hz)
{
    s_sysclk_hz = sysclk_hz;
    DEMCR |= DEMCR_TRCENA;          /* power the DWT (C1.6.5) */
    DWT_LAR = CORESIGHT_UNLOCK;     /* the M7's DWT ignores writes while locked */
    DWT_CYCCNT = 0u;                /* ticks start near 0 at boot */
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
    s_last = 0u;
    s_high = 0u;
    SYST_RVR = sysclk_hz / STM32_WAKE_HZ - 1u; /* < 2^24 up to 1.6 GHz */
    SYST_CVR = 0u;
    SCB_SHPR3 = (SCB_SHPR3 & 0x00FFFFFFu) | (0xC0u << 24); /* below the UART */
    SYST_CSR = SYST_CSR_CLKSOURCE_CPU | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

uint64_t port_ticks(void)
{
    uint32_t primask = cm_irq_save();
    uint64_t t = extend();
    cm_irq_restore(primask);
    return t;
}

uint64_t port_clock_hz(void)
{
    return s_sysclk_hz;
}
