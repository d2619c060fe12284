/* Cortex-M instructions the boards need, as inline assembly (no CMSIS). */
#ifndef RTINFER_CORTEX_M_H
#define RTINFER_CORTEX_M_H

#include <stdint.h>

static inline void cm_dsb(void) { __asm volatile("dsb 0xF" ::: "memory"); }
static inline void cm_isb(void) { __asm volatile("isb 0xF" ::: "memory"); }
static inline void cm_wfi(void) { __asm volatile("wfi" ::: "memory"); }
static inline void cm_enable_irq(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void cm_disable_irq(void) { __asm volatile("cpsid i" ::: "memory"); }

/* Masks interrupts and returns the previous PRIMASK, for cm_irq_restore(). */
static inline uint32_t cm_irq_save(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void cm_irq_restore(uint32_t primask)
{
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

#endif
