/*
 * mps2_an500: Arm's MPS2 FPGA board with the AN500 image (Cortex-M7), as
 * QEMU's `-M mps2-an500` emulates it. This board exists to run the
 * Cortex-M7 build of the firmware (the STM32F746's core and instruction set)
 * in CI, as netduinoplus2 does for the Cortex-M4. It is not an STM32, but it
 * uses the STM32 boards' shared code (stm32_common) except for the UART:
 *
 *  - clock: a fixed 25 MHz SYSCLK, which the core, SysTick and the APB
 *    peripherals run on (QEMU hw/arm/mps2.c, SYSCLK_FRQ); nothing to set up.
 *  - link: UART0, a CMSDK APB UART at 0x40004000, the machine's first
 *    `-serial`; its RX interrupt is IRQ 0 (TX: 1; the UARTs' overruns: 12,
 *    hw/arm/mps2.c). Driver: cmsdk_uart.c.
 *  - ticks: SysTick (QEMU models no DWT), see stm32_ticks_systick.c.
 *  - storage: RAM with flash semantics (the MPS2 has no flash), see
 *    stm32_ram_storage.c: two slots of STM32_RAM_SLOT_BYTES (the F746's
 *    256 KiB sectors by default) and STM32_RAM_META_BYTES of metadata;
 *    sizes are set in firmware/arm/CMakeLists.txt.
 *  - no caches enabled: QEMU does not model them.
 */
#include "stm32_board.h"
#include "stm32_regs.h"
#include "stm32_storage.h"

#define SYSCLK_HZ 25000000u
#define UART0_BASE 0x40004000u
#define IRQ_UART0_RX 0u

const stm32_board_info_t g_board = {
    .name = "mps2_an500",
    /* No unique id on the MPS2: device_id is "m7-qemu" or, when the host
     * provides an id word, "m7-qemu-" + 8 hex digits (stm32_identity.c). The
     * word pair sits in the last 8 bytes of the SSRAM, which the linker
     * script leaves out. */
    .id_prefix = "m7-qemu",
    .uid_addr = 0u,
    .host_id_addr = 0x203FFFF8u,
    .uart_base = UART0_BASE,
    .uart_irq = IRQ_UART0_RX,
    .uart_baud = 115200u,
};

stm32_clocks_t board_clock_init(void)
{
    return (stm32_clocks_t){SYSCLK_HZ, SYSCLK_HZ};
}

void board_uart_pins_init(void)
{
    /* The UART's pins are wired in the FPGA: nothing to route. */
}

void UART0RX_IRQHandler(void)
{
    stm32_uart_isr();
}

/* ---- storage: a RAM area with flash semantics (its map: stm32_ram_storage.c) ---- */
void board_storage_init(void)
{
    stm32_ram_storage_init();
}
