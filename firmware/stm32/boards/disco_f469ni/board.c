/*
 * 32F469IDISCOVERY (UM1932): STM32F469NIH6, Cortex-M4F.
 *
 *  - clock: 8 MHz HSE crystal (X2; UM1932 §6.6.1), PLL M=4 N=180 P=2 ->
 *    180 MHz with over-drive (RM0386 §5.1.4), 5 wait states (RM0386 Table 6,
 *    2.7-3.6 V), prefetch + I/D caches; APB1 45 MHz, APB2 90 MHz. Q=8 (45 MHz:
 *    USB is not used). Falls back to the HSI as PLL source if the HSE fails.
 *  - link: the ST-LINK/V2-1 virtual COM port is USART3 on PB10 (TX) / PB11
 *    (RX), AF7 (UM1932 §6.11 "Virtual COM port", DS11189 Table 12).
 *  - ticks: DWT CYCCNT at 180 MHz, extended to 64 bits (stm32_ticks_dwt.c).
 *  - storage: bank 2, so erasing/programming it does not stall code fetches
 *    from bank 1 (read-while-write, RM0386 §3.5): slot 0 = sectors 17+18,
 *    slot 1 = sectors 19+20 (2x128 KiB each), metadata = sector 12 (16 KiB).
 *    RM0386 §3.3 Table 4: bank 2 starts at 0x08100000 with 4x16 KiB,
 *    1x64 KiB, 7x128 KiB; FLASH_CR.SNB encodes sectors 12-23 as 16-27.
 */
#include "stm32_board.h"
#include "stm32_clock.h"
#include "stm32_regs.h"
#include "stm32_storage.h"

const stm32_board_info_t g_board = {
    .name = "disco_f469ni",
    .id_prefix = "f469-",
    .uid_addr = 0x1FFF7A10u, /* RM0386 §41.1 */
    .uart_base = USART3_BASE,
    .uart_irq = IRQ_USART3,
    .uart_baud = 115200u,
};

stm32_clocks_t board_clock_init(void)
{
    static const stm32_pll_config_t pll = {
        .hse_hz = 8000000u,
        .hse_bypass = false,
        .pllm_hse = 4u,
        .pllm_hsi = 8u,
        .plln = 180u,
        .pllp = 2u,
        .pllq = 8u,
        .pllr = 2u,
        .flash_latency = 5u,
        .flash_acr_extra = FLASH_ACR_PRFTEN | FLASH_ACR_F4_ICEN | FLASH_ACR_F4_DCEN,
        .overdrive = true,
    };
    return stm32_clock_pll(&pll, false); /* USART3: APB1 */
}

void board_uart_pins_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOBEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART3EN;
    (void)RCC_APB1ENR;
    stm32_gpio_af(GPIOB_BASE, 10u, 7u); /* USART3_TX -> ST-LINK VCP RX */
    stm32_gpio_af(GPIOB_BASE, 11u, 7u); /* USART3_RX <- ST-LINK VCP TX */
}

void USART3_IRQHandler(void)
{
    stm32_uart_isr();
}

/* ---- storage: flash bank 2 ---- */
#define KIB 1024u
#define SNB_BANK2(sector) ((uint8_t)((sector) + 4u)) /* 12..23 -> 16..27 */

static const port_sector_t k_sectors[] = {
    {0u, 128u * KIB, PORT_SECTOR_SLOT, 0u},
    {128u * KIB, 128u * KIB, PORT_SECTOR_SLOT, 0u},
    {256u * KIB, 128u * KIB, PORT_SECTOR_SLOT, 1u},
    {384u * KIB, 128u * KIB, PORT_SECTOR_SLOT, 1u},
    {512u * KIB, 16u * KIB, PORT_SECTOR_META, 0u},
};

static const stm32_sector_phys_t k_phys[] = {
    {0x08120000u, SNB_BANK2(17u)},
    {0x08140000u, SNB_BANK2(18u)},
    {0x08160000u, SNB_BANK2(19u)},
    {0x08180000u, SNB_BANK2(20u)},
    {0x08100000u, SNB_BANK2(12u)},
};

const stm32_storage_t g_storage = {
    {528u * KIB, 4u, 5u, k_sectors},
    k_phys,
};

void board_storage_init(void)
{
}
