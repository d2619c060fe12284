/*
 * port.h glue shared by the STM32 boards: UART, board name, reset, idle, and
 * main(). Clocks, pins and storage come from the board folder
 * (stm32_board.h); ticks from stm32_ticks_*.c; device id from
 * stm32_identity.c; storage from stm32_flash_storage.c or stm32_ram_storage.c.
 */
#include "app.h"
#include "cortex_m.h"
#include "port.h"
#include "stm32_board.h"
#include "stm32_regs.h"

static uint32_t s_sysclk_hz;

size_t port_uart_read(uint8_t *buf, size_t cap)
{
    return stm32_uart_read(buf, cap);
}

void port_uart_write(const uint8_t *data, size_t len)
{
    stm32_uart_write(data, len);
}

const char *port_board_name(void)
{
    return g_board.name;
}

/* System reset through AIRCR.SYSRESETREQ (ARMv7-M B3.2.6), keeping PRIGROUP,
 * once the reply that may have preceded it has left the USART. */
_Noreturn void port_reset(void)
{
    stm32_uart_flush();
    cm_dsb();
    SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & SCB_AIRCR_PRIGROUP_MASK) | SCB_AIRCR_SYSRESETREQ;
    cm_dsb();
    for (;;) {
    }
}

/*
 * Sleeps in WFI until an interrupt: a received byte or the SysTick wake-up
 * (every 1/STM32_WAKE_HZ s), so a timeout is never overslept by more than a
 * wake period and the app re-checks everything on every return (port.h
 * allows early returns). Timeouts shorter than a wake period are waited out
 * by polling instead, so they are not overslept at all. Interrupts are
 * masked around the last check and WFI: a byte arriving in between still
 * wakes WFI (a pending interrupt ends it even while masked) and is handled
 * right after cpsie.
 */
bool port_idle(uint32_t timeout_us)
{
    if (timeout_us != PORT_IDLE_FOREVER && timeout_us < 1000000u / STM32_WAKE_HZ) {
        uint64_t end = port_ticks() + (uint64_t)timeout_us * s_sysclk_hz / 1000000u;
        while (!stm32_uart_rx_pending() && port_ticks() < end) {
        }
        return true;
    }
    cm_disable_irq();
    if (!stm32_uart_rx_pending()) {
        cm_wfi();
    }
    cm_enable_irq();
    return true;
}

int main(void)
{
    stm32_clocks_t clocks = board_clock_init();
    s_sysclk_hz = clocks.sysclk_hz;
    stm32_ticks_init(clocks.sysclk_hz);
    board_storage_init();
    board_uart_pins_init();
    stm32_uart_init(g_board.uart_base, g_board.uart_irq, clocks.uart_pclk_hz, g_board.uart_baud);
    cm_enable_irq();
    static const app_config_t cfg = {0};
    app_run(&cfg); /* returns only when port_idle() says stop: never on hardware */
    port_reset();
}
