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
 *
 * The map is the same on every RAM board (netduinoplus2, mps2_an500): two slots of STM32_RAM_SLOT_BYTES, then
 * STM32_RAM_META_BYTES of metadata, all set by the board's build (firmware/arm/CMakeLists.txt).
 */
#include <string.h>

#include "stm32_storage.h"

#if !defined(STM32_RAM_STORAGE_BYTES) || !defined(STM32_RAM_SLOT_BYTES) || !defined(STM32_RAM_META_BYTES)
#error "the board sets STM32_RAM_STORAGE_BYTES, STM32_RAM_SLOT_BYTES and STM32_RAM_META_BYTES"
#endif
#define SLOT_BYTES STM32_RAM_SLOT_BYTES
#define META_BYTES STM32_RAM_META_BYTES
_Static_assert(STM32_RAM_STORAGE_BYTES == 2u * SLOT_BYTES + META_BYTES, "STM32_RAM_STORAGE_BYTES != the map");

#define MARKER 0x52544653u /* "RTFS" */

__attribute__((section(".noinit"), aligned(8))) uint8_t g_ram_storage[STM32_RAM_STORAGE_BYTES];
__attribute__((section(".noinit"))) static uint32_t s_marker[2];

static const port_sector_t k_sectors[] = {
    {0u, SLOT_BYTES, PORT_SECTOR_SLOT, 0u},
    {SLOT_BYTES, SLOT_BYTES, PORT_SECTOR_SLOT, 1u},
    {2u * SLOT_BYTES, META_BYTES, PORT_SECTOR_META, 0u},
};

static const stm32_sector_phys_t k_phys[] = {
    {(uintptr_t)g_ram_storage, 0u},
    {(uintptr_t)g_ram_storage + SLOT_BYTES, 0u},
    {(uintptr_t)g_ram_storage + 2u * SLOT_BYTES, 0u},
};

const stm32_storage_t g_storage = {
    {2u * SLOT_BYTES + META_BYTES, 4u, 3u, k_sectors},
    k_phys,
};

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
