/*
 * Startup for the STM32F4/F7 boards (and mps2_an500): the vector table, the reset handler
 * (FPU on, .data copied, .bss zeroed, then main) and the fault handlers.
 * The linker script (stm32_sections.ld) provides the symbols used here.
 */
#include <stdint.h>
#include <string.h>

#include "cortex_m.h"
#include "stm32_regs.h"

extern uint32_t _estack;                 /* initial stack pointer */
extern uint32_t _sidata, _sdata, _edata; /* .data: load address, run range */
extern uint32_t _sbss, _ebss;

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

/* Everything the boards may implement; unimplemented ones end in Default_Handler. */
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Default_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));
void USART1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void USART3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
/* mps2_an500's link (CMSDK UART0 RX, IRQ 0); on the STM32s IRQ 0 is the WWDG, never enabled. */
void UART0RX_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

/* External interrupt count of the largest part served (F746: 98, RM0385
 * Table 46; F469: 93; F405: 82). Entries past a smaller part's last IRQ are
 * never fetched. */
#define IRQ_COUNT 98u

typedef void (*vector_t)(void);

/* ARMv7-M ARM B1.5.3: word 0 is the initial SP, then the exception handlers.
 * The IRQ range is filled with Default_Handler first and the used entries
 * override it, which is what -Woverride-init would flag. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".isr_vector"), used)) const vector_t g_vectors[16u + IRQ_COUNT] = {
    [0] = (vector_t)(uintptr_t)&_estack,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [11] = SVC_Handler,
    [12] = DebugMon_Handler,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16u + 0u ... 16u + IRQ_COUNT - 1u] = Default_Handler,
    [16u + IRQ_USART1] = USART1_IRQHandler,
    [16u + IRQ_USART3] = USART3_IRQHandler,
    [16u + 0u] = UART0RX_IRQHandler,
};
#pragma GCC diagnostic pop

void Reset_Handler(void)
{
    /* The FPU first (ARMv7-M B3.2.20, PM0214 §4.6.1): code built with
     * -mfloat-abi=hard may use FP registers anywhere after this. */
    SCB_CPACR |= SCB_CPACR_CP10_CP11_FULL;
    cm_dsb();
    cm_isb();
    memcpy(&_sdata, &_sidata, (size_t)((uintptr_t)&_edata - (uintptr_t)&_sdata));
    memset(&_sbss, 0, (size_t)((uintptr_t)&_ebss - (uintptr_t)&_sbss));
    /* A bootloader may have left VTOR elsewhere. */
    SCB_VTOR = (uint32_t)(uintptr_t)g_vectors;
    cm_dsb();
    (void)main();
    for (;;) {
        SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & SCB_AIRCR_PRIGROUP_MASK) | SCB_AIRCR_SYSRESETREQ;
    }
}

/* Faults and unexpected interrupts: reset, so that a device in the farm
 * comes back (the host sees the BOOT flag). With a debugger, break here. */
void Default_Handler(void)
{
    cm_dsb();
    SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & SCB_AIRCR_PRIGROUP_MASK) | SCB_AIRCR_SYSRESETREQ;
    cm_dsb();
    for (;;) {
    }
}
