/* boot_id (HELLO key 10): a boot counter persisted in the storage's
 * metadata sector, mixed with the tick count at boot. */
#ifndef RTINFER_APP_BOOTID_H
#define RTINFER_APP_BOOTID_H

#include <stdint.h>

/* Increments the persisted boot counter (if storage has a metadata sector)
 * and returns this boot's id. Call once per boot. */
uint32_t bootid_next(void);

/* The persisted boot counter after bootid_next() (0 without storage). */
uint32_t bootid_count(void);

#endif
