/*
 * Storage shared by the STM32 boards: the board describes its sectors, the
 * driver (stm32_flash_storage.c: the on-chip flash; stm32_ram_storage.c: a
 * RAM area with flash semantics) implements port_storage_* on them.
 */
#ifndef RTINFER_STM32_STORAGE_H
#define RTINFER_STM32_STORAGE_H

#include <stdint.h>

#include "port.h"

typedef struct {
    uintptr_t phys;  /* where the sector's bytes are in the CPU's address space */
    uint8_t snb;     /* FLASH_CR.SNB value that erases it (flash only) */
} stm32_sector_phys_t;

typedef struct {
    port_storage_map_t map;          /* the storage address space, port.h */
    const stm32_sector_phys_t *phys; /* map.sector_count entries, same order */
} stm32_storage_t;

/* Provided by the board (flash), or by stm32_ram_storage.c (RAM: the same map on every RAM board). */
extern const stm32_storage_t g_storage;

/* Checks [addr, addr+len) against the map; alignment to write_unit if
 * `aligned`. Returns PORT_STORAGE_OK or the error. */
int stm32_storage_check(uint32_t addr, uint32_t len, int aligned);
/* CPU address of storage byte `addr` (which must be inside the map). */
uintptr_t stm32_storage_phys(uint32_t addr);
/* What every driver checks before a program: the range and alignment (stm32_storage_check), then that no bit
 * would go from 0 to 1 (flash can only clear bits). PORT_STORAGE_OK or the error; nothing is written. */
int stm32_storage_check_program(uint32_t addr, const uint8_t *data, uint32_t len);
/* RAM storage only: formats it (all 0xFF) unless it survived a reset. */
void stm32_ram_storage_init(void);

#endif
