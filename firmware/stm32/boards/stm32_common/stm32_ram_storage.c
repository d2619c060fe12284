/*
 * port_storage_* on a RAM area, for targets whose flash controller cannot be
 * used: QEMU's STM32F405 (netduinoplus2) maps the flash as ROM and does not
 * emulate the FLASH interface registers. The port.h semantics hold exactly
 * as on flash: erase sets 0xFF, a program may only clear bits (EBITS, and
 * nothing changes, otherwise), write_unit alignment is enforced.
 *
 * The area is in .noinit (not loaded, not zeroed at startup), so it survives
 * port_reset() (a system reset keeps SRAM; QEMU reloads only the image's
 * loadable sections on reset). A power cycle loses it: a marker after the
 * area tells a cold boot, and the area is then formatted to 0xFF.
 */
#include <string.h>

#include "stm32_storage.h"

#ifndef STM32_RAM_STORAGE_BYTES
#error "the board sets STM32_RAM_STORAGE_BYTES"
#endif

#define MARKER 0x52544653u /* "RTFS" */

__attribute__((section(".noinit"), aligned(8))) uint8_t g_ram_storage[STM32_RAM_STORAGE_BYTES];
__attribute__((section(".noinit"))) static uint32_t s_marker[2];

void stm32_ram_storage_init(void)
{
    if (s_marker[0] != MARKER || s_marker[1] != ~MARKER) {
        memset(g_ram_storage, PORT_STORAGE_ERASED, sizeof g_ram_storage);
        s_marker[0] = MARKER;
        s_marker[1] = ~MARKER;
    }
}

int port_storage_erase(uint16_t index)
{
    if (index >= g_storage.map.sector_count) {
        return PORT_STORAGE_ERANGE;
    }
    memset((void *)g_storage.phys[index].phys, PORT_STORAGE_ERASED, g_storage.map.sectors[index].size);
    return PORT_STORAGE_OK;
}

int port_storage_program(uint32_t addr, const void *data, uint32_t len)
{
    const uint8_t *src = data;
    /* Refuse the whole program before writing anything if it is out of range or would set a bit. */
    int rc = stm32_storage_check_program(addr, src, len);
    if (rc != PORT_STORAGE_OK) {
        return rc;
    }
    for (uint32_t i = 0; i < len; i++) {
        *(uint8_t *)stm32_storage_phys(addr + i) = src[i];
    }
    return PORT_STORAGE_OK;
}
