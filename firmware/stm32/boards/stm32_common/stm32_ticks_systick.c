/*
 * port_ticks() from SysTick alone, for targets without a DWT cycle counter:
 * QEMU's Cortex-M models (netduinoplus2) implement no DWT. SysTick counts
 * core clock cycles down from RVR; its interrupt at STM32_WAKE_HZ adds a
 * full period to a 64-bit base, and port_ticks() adds the cycles elapsed in
 * the current period. clock_hz is the core clock (QEMU's netduinoplus2:
 * 168 MHz of virtual time; with `-icount shift=0` one instruction takes 1 ns
 * of virtual time, so ticks measure executed instructions, not host time).
 */
#include "cortex_m.h"
#include "port.h"
#include "stm32_board.h"
#include "stm32_regs.h"

static uint32_t s_sysclk_hz = 1u;
static uint32_t s_period; /* cycles per SysTick period (RVR + 1) */
static volatile uint64_t s_base; /* cycles of the periods completed */

#define SCB_ICSR_PENDSTSET (1u << 26)

void SysTick_Handler(void)
{
    s_base += s_period;
}

void stm32_ticks_init(uint32_t sysclk_hz)
{
    s_sysclk_hz = sysclk_hz;
    s_period = sysclk_hz / STM32_WAKE_HZ;
    s_base = 0u;
    SYST_RVR = s_period - 1u; /* ARMv7-M B3.3.3: counts RVR..0, so RVR+1 cycles a period */
    SYST_CVR = 0u;
    SCB_SHPR3 = (SCB_SHPR3 & 0x00FFFFFFu) | (0xC0u << 24);
    SYST_CSR = SYST_CSR_CLKSOURCE_CPU | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

uint64_t port_ticks(void)
{
    /* With interrupts masked s_base is stable. A reload that happened but
     * whose interrupt has not run yet shows as PENDSTSET (ARMv7-M B3.2.4);
     * then the counter belongs to the next period: read it again (it surely
     * does now) and count the period the handler has not added yet. */
    uint32_t primask = cm_irq_save();
    uint64_t base = s_base;
    uint32_t val = SYST_CVR;
    if (SCB_ICSR & SCB_ICSR_PENDSTSET) {
        val = SYST_CVR;
        base += s_period;
    }
    cm_irq_restore(primask);
    return base + (uint64_t)(s_period - 1u - val);
}

uint64_t port_clock_hz(void)
{
    return s_sysclk_hz;
}
