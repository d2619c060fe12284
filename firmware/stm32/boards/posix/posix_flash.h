/*
 * POSIX board: flash model backed by a file (mmap'ed), implementing the
 * storage part of port.h with the exact flash semantics documented there
 * (erase -> 0xFF, program only clears bits, write_unit alignment).
 *
 * Layout (POSIX_FLASH_SIZE bytes):
 *   sector 0  slot 0   256 KiB  @ 0x00000
 *   sector 1  slot 1   256 KiB  @ 0x40000
 *   sector 2  meta      16 KiB  @ 0x80000
 */
#ifndef RTINFER_POSIX_FLASH_H
#define RTINFER_POSIX_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"

#ifndef POSIX_FLASH_SLOT_BYTES /* the OP-TEE agent builds this file with larger slots for sealed zoo models */
#define POSIX_FLASH_SLOT_BYTES (256u * 1024u)
#endif
#define POSIX_FLASH_META_BYTES (16u * 1024u)
#define POSIX_FLASH_SLOTS 2u
#define POSIX_FLASH_SIZE (POSIX_FLASH_SLOTS * POSIX_FLASH_SLOT_BYTES + POSIX_FLASH_META_BYTES)

/*
 * Opens (creating if needed) the backing file and maps it. A new file, or
 * one whose size does not match the layout, is (re)formatted to all 0xFF.
 * The file is locked (flock LOCK_EX|LOCK_NB) for the life of the process.
 * Returns 0, or -1 with a message in err; *busy is set to 1 when the file is
 * locked by another process.
 */
int posix_flash_open(const char *path, char *err, size_t errlen, int *busy);

/* Unmaps and closes (syncs first). Safe to call when not open. */
void posix_flash_close(void);

/* Path of the open backing file ("" when closed). */
const char *posix_flash_path(void);

#endif
