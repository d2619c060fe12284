/* Bounds, alignment and address translation common to both storage drivers,
 * and the port.h calls that do not touch the medium. */
#include <string.h>

#include "stm32_storage.h"

const port_storage_map_t *port_storage_map(void)
{
    return &g_storage.map;
}

int stm32_storage_check(uint32_t addr, uint32_t len, int aligned)
{
    const port_storage_map_t *m = &g_storage.map;
    if (m->sector_count == 0u || addr > m->size || len > m->size - addr) {
        return PORT_STORAGE_ERANGE;
    }
    if (aligned && ((addr | len) & (m->write_unit - 1u)) != 0u) {
        return PORT_STORAGE_EALIGN;
    }
    return PORT_STORAGE_OK;
}

/* Index of the sector holding storage byte `addr` (inside the map). */
static uint16_t sector_of(uint32_t addr)
{
    const port_storage_map_t *m = &g_storage.map;
    uint16_t i = 0;
    while (i + 1u < m->sector_count && addr >= m->sectors[i + 1u].addr) {
        i++;
    }
    return i;
}

uintptr_t stm32_storage_phys(uint32_t addr)
{
    uint16_t i = sector_of(addr);
    return g_storage.phys[i].phys + (addr - g_storage.map.sectors[i].addr);
}

/* Reads go through the CPU's view of the medium: the flash is memory mapped,
 * and no board enables the F7's L1 data cache, so a read after a program or
 * erase sees the new contents. */
int port_storage_read(uint32_t addr, void *buf, uint32_t len)
{
    int rc = stm32_storage_check(addr, len, 0);
    if (rc != PORT_STORAGE_OK) {
        return rc;
    }
    uint8_t *out = buf;
    while (len > 0u) {
        /* Sector by sector: physically they need not be contiguous. */
        const port_sector_t *s = &g_storage.map.sectors[sector_of(addr)];
        uint32_t in_sector = s->addr + s->size - addr;
        uint32_t n = len < in_sector ? len : in_sector;
        memcpy(out, (const void *)stm32_storage_phys(addr), n);
        out += n;
        addr += n;
        len -= n;
    }
    return PORT_STORAGE_OK;
}

int stm32_storage_check_program(uint32_t addr, const uint8_t *data, uint32_t len)
{
    int rc = stm32_storage_check(addr, len, 1);
    if (rc != PORT_STORAGE_OK) {
        return rc;
    }
    for (uint32_t i = 0; i < len; i++) {
        if (data[i] & ~*(const volatile uint8_t *)stm32_storage_phys(addr + i)) {
            return PORT_STORAGE_EBITS;
        }
    }
    return PORT_STORAGE_OK;
}
