/*
 * netduinoplus2: STM32F405RG (Cortex-M4F), as QEMU's `-M netduinoplus2`
 * emulates it. This board exists to run the real MCU image in CI:
 *
 *  - clock: QEMU models no RCC, so there is nothing to set up; the core
 *    clock is the machine's fixed 168 MHz SYSCLK (hw/arm/netduinoplus2.c),
 *    which SysTick counts. On a real Netduino Plus 2 this image would run on
 *    the 16 MHz HSI and report a wrong clock_hz (HSE 25 MHz -> PLL would be
 *    needed; not done, nothing here runs on that hardware).
 *  - link: USART1, the first `-serial` of the machine (QEMU's stm32f405 SoC
 *    attaches serial_hd(0) to USART1 at 0x40011000, hw/arm/stm32f405_soc.c).
 *    PA9/PA10 AF7 (RM0090 / DS8626 Table 9) as on the chip; QEMU ignores GPIO.
 *  - ticks: SysTick (QEMU has no DWT), see stm32_ticks_systick.c.
 *  - storage: RAM (QEMU does not emulate the flash interface), see
 *    stm32_ram_storage.c: two slots of STM32_RAM_SLOT_BYTES (a container
 *    gets all but the 1 KiB slot trailer) and STM32_RAM_META_BYTES of
 *    metadata; the sizes are set in firmware/arm/CMakeLists.txt, which
 *    splits the RAM between storage and the inference pool.
 */
#include "stm32_board.h"
#include "stm32_regs.h"
#include "stm32_storage.h"

#define SYSCLK_HZ 168000000u
#define PCLK2_HZ (SYSCLK_HZ / 2u) /* USART1 is on APB2 */

const stm32_board_info_t g_board = {
    .name = "netduinoplus2",
    /* QEMU does not map the UID (0x1FFF7A10, RM0090 §39.1): reading it is a
     * bus fault. device_id is "np2-qemu" or, when the host provides an id
     * word, "np2-qemu-" + 8 hex digits (stm32_identity.c). The word pair sits in
     * the last 8 bytes of RAM, which the linker script leaves out. */
    .id_prefix = "np2-qemu",
    .uid_addr = 0u,
    .host_id_addr = 0x2002FFF8u,
    .uart_base = USART1_BASE,
    .uart_irq = IRQ_USART1,
    .uart_baud = 115200u,
};

stm32_clocks_t board_clock_init(void)
{
    return (stm32_clocks_t){SYSCLK_HZ, PCLK2_HZ};
}

void board_uart_pins_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    stm32_gpio_af(GPIOA_BASE, 9u, 7u);  /* USART1_TX */
    stm32_gpio_af(GPIOA_BASE, 10u, 7u); /* USART1_RX */
}

void USART1_IRQHandler(void)
{
    stm32_uart_isr();
}

/* ---- storage: a RAM area with flash semantics (its map: stm32_ram_storage.c) ---- */
void board_storage_init(void)
{
    stm32_ram_storage_init();
}
