/*
 * port_storage_* on the STM32F4/F7 on-chip flash (RM0090 §3.6 / RM0386 §3.6,
 * RM0385 §3.3): unlock with the KEYR sequence, sector erase (SER + SNB +
 * STRT), program in 32-bit words (PSIZE = x32, the parallelism allowed at
 * VDD 2.7-3.6 V: RM0090 Table 9, RM0385 Table 8), lock again after every
 * operation so that a stray write cannot change the flash.
 *
 * port.h semantics on top of the hardware: a program that would set a 0 bit
 * to 1 is refused before anything is written (EBITS); words whose value does
 * not change are not programmed again. Storage sectors lie beyond the image
 * (the linker scripts assert it). While an erase or program runs, a fetch
 * from the same bank stalls the CPU (RM0090 §3.5.1) — including the UART
 * interrupt, so bytes arriving during a long sector erase can overrun.
 */
#include <string.h>

#include "cortex_m.h"
#include "stm32_regs.h"
#include "stm32_storage.h"

#define WORD 4u

static void unlock(void)
{
    if (FLASH_CR & FLASH_CR_LOCK) {
        FLASH_KEYR = FLASH_KEY1; /* RM0090 §3.5.1: both keys, in order */
        FLASH_KEYR = FLASH_KEY2;
    }
}

static void lock(void)
{
    FLASH_CR = FLASH_CR_LOCK;
}

static void wait_idle(void)
{
    while (FLASH_SR & FLASH_SR_BSY) {
    }
}

/* Waits for the operation to end; returns 0, or -1 if it reported an error. */
static int finish(void)
{
    cm_dsb(); /* F7: the write reaches the flash interface through the AXI bus (RM0385 §3.3.7) */
    wait_idle();
    uint32_t sr = FLASH_SR;
    FLASH_SR = sr & (FLASH_SR_ERRORS | FLASH_SR_EOP); /* write 1 to clear */
    return (sr & FLASH_SR_ERRORS) ? -1 : 0;
}

int port_storage_erase(uint16_t index)
{
    if (index >= g_storage.map.sector_count) {
        return PORT_STORAGE_ERANGE;
    }
    const port_sector_t *s = &g_storage.map.sectors[index];
    wait_idle();
    unlock();
    FLASH_SR = FLASH_SR_ERRORS | FLASH_SR_EOP; /* stale flags would fail the erase (PGSERR) */
    FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER | FLASH_CR_SNB(g_storage.phys[index].snb);
    FLASH_CR |= FLASH_CR_STRT;
    int rc = finish();
    lock();
    if (rc != 0) {
        return PORT_STORAGE_EIO;
    }
    const volatile uint32_t *p = (const volatile uint32_t *)g_storage.phys[index].phys;
    for (uint32_t i = 0; i < s->size / WORD; i++) {
        if (p[i] != 0xFFFFFFFFu) {
            return PORT_STORAGE_EIO;
        }
    }
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
    wait_idle();
    unlock();
    FLASH_SR = FLASH_SR_ERRORS | FLASH_SR_EOP;
    FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_PG;
    rc = PORT_STORAGE_OK;
    for (uint32_t off = 0; off < len && rc == PORT_STORAGE_OK; off += WORD) {
        uint32_t want;
        memcpy(&want, src + off, WORD);
        volatile uint32_t *dst = (volatile uint32_t *)stm32_storage_phys(addr + off);
        if (*dst == want) {
            continue;
        }
        *dst = want; /* one x32 program operation (RM0090 §3.6.4) */
        if (finish() != 0 || *dst != want) {
            rc = PORT_STORAGE_EIO;
        }
    }
    lock();
    return rc;
}
