/*
 * Nucleo-F746ZG (NUCLEO-144, UM1974): STM32F746ZG, Cortex-M7 with FPv5-SP.
 *
 *  - clock: HSE 8 MHz from the ST-LINK's MCO, bypass mode (UM1974 §6.7.1,
 *    default solder bridges), PLL M=4 N=216 P=2 -> 216 MHz with over-drive,
 *    7 wait states (RM0385 Table 5, 2.7-3.6 V), ART + prefetch; APB1 54 MHz,
 *    APB2 108 MHz. Q=9 gives the 48 MHz domain its 48 MHz. Falls back to the
 *    HSI as PLL source if the MCO is not connected.
 *  - link: the ST-LINK virtual COM port is USART3 on PD8 (TX) / PD9 (RX),
 *    AF7 (UM1974 §6.9 "USART communication", DS10916 Table 12).
 *  - ticks: DWT CYCCNT at 216 MHz, extended to 64 bits (stm32_ticks_dwt.c).
 *  - storage: flash sectors 5, 6 (slots 0, 1: 256 KiB each) and 7 (metadata,
 *    256 KiB), beyond the image in sectors 0-4 (RM0385 §3.3.1 Table 3:
 *    4x32 KiB, 1x128 KiB, 3x256 KiB on the 1 MiB single-bank F74x).
 *  - caches: the M7's L1 instruction cache is on (code runs from flash over
 *    AXIM, which the ART does not serve: RM0385 §2.1.3); the L1 data cache
 *    stays off, so that reads of the storage sectors see erases and programs
 *    at once without cache maintenance.
 */
#include "cortex_m.h"
#include "stm32_board.h"
#include "stm32_clock.h"
#include "stm32_regs.h"
#include "stm32_storage.h"

const stm32_board_info_t g_board = {
    .name = "nucleo_f746zg",
    .id_prefix = "f746-",
    .uid_addr = 0x1FF0F420u, /* RM0385 §45.6 */
    .uart_base = USART3_BASE,
    .uart_irq = IRQ_USART3,
    .uart_baud = 115200u,
};

static void icache_enable(void)
{
    /* PM0253 §4.8.4: invalidate, then enable, with barriers around both. */
    cm_dsb();
    cm_isb();
    SCB_ICIALLU = 0u;
    cm_dsb();
    cm_isb();
    SCB_CCR |= SCB_CCR_IC;
    cm_dsb();
    cm_isb();
}

stm32_clocks_t board_clock_init(void)
{
    icache_enable();
    static const stm32_pll_config_t pll = {
        .hse_hz = 8000000u,
        .hse_bypass = true,
        .pllm_hse = 4u,
        .pllm_hsi = 8u,
        .plln = 216u,
        .pllp = 2u,
        .pllq = 9u,
        .pllr = 2u,
        .flash_latency = 7u,
        .flash_acr_extra = FLASH_ACR_PRFTEN | FLASH_ACR_F7_ARTEN,
        .overdrive = true,
    };
    return stm32_clock_pll(&pll, false); /* USART3: APB1 */
}

void board_uart_pins_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIODEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART3EN;
    (void)RCC_APB1ENR;
    stm32_gpio_af(GPIOD_BASE, 8u, 7u); /* USART3_TX -> ST-LINK VCP RX */
    stm32_gpio_af(GPIOD_BASE, 9u, 7u); /* USART3_RX <- ST-LINK VCP TX */
}

void USART3_IRQHandler(void)
{
    stm32_uart_isr();
}

/* ---- storage: flash sectors 5-7 ---- */
#define KIB 1024u

static const port_sector_t k_sectors[] = {
    {0u, 256u * KIB, PORT_SECTOR_SLOT, 0u},
    {256u * KIB, 256u * KIB, PORT_SECTOR_SLOT, 1u},
    {512u * KIB, 256u * KIB, PORT_SECTOR_META, 0u},
};

static const stm32_sector_phys_t k_phys[] = {
    {0x08040000u, 5u},
    {0x08080000u, 6u},
    {0x080C0000u, 7u},
};

const stm32_storage_t g_storage = {
    {768u * KIB, 4u, 3u, k_sectors},
    k_phys,
};

void board_storage_init(void)
{
}
